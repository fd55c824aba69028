"""Registries of providers: the outside systems govhall talks to, one registry per kind.

A *kind* is one sort of outside system (``sms``: the SMS gateway, ``identity``: real-name
verification, ``delivery``: the channels that hand a case's result over…). The app that
owns the kind defines its base class (a :class:`Provider` subclass) and one
:class:`Registry`; each implementation registers itself under a short identifier::

    registry = Registry("delivery", base=DeliveryProvider, setting="GOVHALL_DELIVERY_PROVIDERS",
                        multiple=True, verbose_name="送达渠道")

    @registry.register("ems")
    class EmsProvider(DeliveryProvider):
        verbose_name = "中国邮政EMS"
        ...

A deployment enables providers in the kind's setting: the one provider of a single-adapter
kind (``GOVHALL_SMS_BACKEND=http``) or a comma-separated list for a kind that has several
at once (``GOVHALL_DELIVERY_PROVIDERS=window,ems``). An entry is a registered identifier
or the dotted path of a subclass of the kind's base (how a deployment plugs in its own
adapter without registering it; a registered class named by path is that provider).

Every registry is listed in a module-level index (:func:`registries`), which
``core/checks.py`` walks for ``manage.py check`` (entries that name no provider) and
``check --deploy`` (each enabled provider's :meth:`Provider.check_config`, and local
stand-ins left enabled). The index imports every installed app's ``providers`` module
first (as the admin imports ``admin`` modules), so a new domain registers its providers
from its own ``providers`` module, or from ``AppConfig.ready``, and core is not edited.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules, import_string

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class LocalWarning:
    """What ``check --deploy`` says when a local stand-in is enabled: its check id, what the
    site then lacks, and how to fix it."""

    id: str
    message: str
    hint: str


class Provider:
    """The base of every provider. A kind's base class subclasses this and adds the
    methods its callers use; implementations subclass that.

    Instances are made with no arguments (the registry reads nothing else), once per use:
    a provider reads its settings when it is made, so a change of settings (a test's, a
    deployment's restart) is seen by the next one."""

    identifier: ClassVar[str] = ""  # set by Registry.register
    verbose_name: ClassVar[str] = ""  # Chinese, shown to staff and operators
    is_local: ClassVar[bool] = False  # a stand-in for development and demos, not the outside system
    local_warning: ClassVar[LocalWarning | None] = None  # what check --deploy says about a local stand-in

    @classmethod
    def check_config(cls) -> list[str]:
        """Problems with this provider's configuration, for operators (``check --deploy``
        reports each as an error while the provider is enabled): a URL missing, a key
        malformed. Reads settings only: it must not call the outside system nor build the
        provider (whose constructor may refuse the same configuration)."""
        return []


P = TypeVar("P", bound=Provider)


class ProviderUnavailable(LookupError):
    """:meth:`Registry.get` was asked for a provider that is not registered or not enabled."""

    def __init__(self, message: str, *, kind: str, identifier: str, registered: bool):
        super().__init__(message)
        self.kind = kind
        self.identifier = identifier
        self.registered = registered


_INDEX: dict[str, Registry] = {}
_discovered = False


def registries() -> list[Registry]:
    """Every listed registry, after importing each installed app's ``providers`` module
    (once the app registry is ready), in the order they were made."""
    global _discovered
    if not _discovered and apps.ready:
        _discovered = True
        autodiscover_modules("providers")
    return list(_INDEX.values())


class Registry(Generic[P]):
    """The providers of one kind, keyed by identifier (unique in the registry).

    ``setting`` names the Django setting that enables them: a string naming the one
    provider (``multiple=False``: a single adapter such as the SMS gateway, see
    :meth:`configured`), or a list (or comma-separated string) of several
    (``multiple=True``), whose order is the order :meth:`enabled` answers in.

    ``listed=False`` keeps a registry out of the index (a test's throwaway registry)."""

    def __init__(
        self,
        kind: str,
        *,
        base: type[P],
        setting: str,
        verbose_name: str = "",
        multiple: bool = False,
        listed: bool = True,
    ):
        if not IDENTIFIER.fullmatch(kind):
            raise ValueError(f"registry kind {kind!r}: lower-case letters, digits and _, starting with a letter")
        if not (isinstance(base, type) and issubclass(base, Provider)):
            raise TypeError(f"registry {kind!r}: base must be a Provider subclass")
        if listed and kind in _INDEX:
            raise ValueError(f"a registry of kind {kind!r} exists already")
        self.kind = kind
        self.base = base
        self.setting = setting
        self.verbose_name = verbose_name or kind
        self.multiple = multiple
        self._providers: dict[str, type[P]] = {}
        if listed:
            _INDEX[kind] = self

    def unlist(self) -> None:
        """Take the registry out of the index again (a test's registry, after the test)."""
        if _INDEX.get(self.kind) is self:
            del _INDEX[self.kind]

    def __repr__(self) -> str:
        return f"<Registry {self.kind}: {', '.join(self._providers)}>"

    # -- registering ------------------------------------------------------------------------

    def register(self, identifier: str) -> Callable[[type[P]], type[P]]:
        """Class decorator: register the class under ``identifier`` (and set its
        ``identifier``). Refuses an identifier already taken, a malformed one, a class that
        is not a subclass of the kind's base, and a class without ``verbose_name``."""
        if not IDENTIFIER.fullmatch(identifier):
            raise ValueError(
                f"{self.kind} provider identifier {identifier!r}: lower-case letters, digits and _, "
                "starting with a letter, at most 40"
            )

        def decorator(cls: type[P]) -> type[P]:
            if identifier in self._providers:
                raise ValueError(
                    f"{self.kind} provider {identifier!r} is registered already "
                    f"({_path(self._providers[identifier])}); identifiers are unique per registry"
                )
            if not (isinstance(cls, type) and issubclass(cls, self.base)):
                raise TypeError(f"{self.kind} provider {identifier!r}: {cls!r} is not a {self.base.__name__} subclass")
            if cls in self._providers.values():
                raise ValueError(f"{_path(cls)} is registered already as a {self.kind} provider")
            if not cls.verbose_name:
                raise ValueError(f"{self.kind} provider {identifier!r}: set verbose_name (the name staff read)")
            self.check_provider(cls)
            cls.identifier = identifier
            self._providers[identifier] = cls
            return cls

        return decorator

    def check_provider(self, cls: type[P]) -> None:
        """A kind's own rule for what it registers (a subclass overrides this and raises
        ValueError or TypeError): e.g. that a delivery channel names its mode."""

    def unregister(self, identifier: str) -> None:
        """Take a provider out again (a test's provider, after the test)."""
        self._providers.pop(identifier)

    # -- asking -----------------------------------------------------------------------------

    def all(self) -> list[type[P]]:
        """Every registered provider class, in the order registered."""
        return list(self._providers.values())

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._providers

    def identifier_of(self, cls: type[P]) -> str:
        """The identifier ``cls`` is registered under, or its dotted path when a setting
        names an unregistered class by path."""
        for identifier, registered in self._providers.items():
            if registered is cls:
                return identifier
        return _path(cls)

    def entries(self) -> list[str]:
        """What the setting names, as written."""
        value = getattr(settings, self.setting, "")
        if isinstance(value, str):
            value = value.split(",") if self.multiple else [value]
        return [entry.strip() for entry in value if entry and entry.strip()]

    def resolve(self, entry: str) -> type[P]:
        """The provider class an entry of the setting names; ImproperlyConfigured when it
        names none."""
        if "." not in entry:
            if entry not in self._providers:
                known = ", ".join(self._providers) or "none"
                raise ImproperlyConfigured(
                    f"{self.setting}: {entry!r} is not a registered {self.kind} provider (registered: {known})"
                )
            return self._providers[entry]
        try:
            cls = import_string(entry)
        except ImportError as exc:
            raise ImproperlyConfigured(f"{self.setting}: cannot import {entry!r}: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise ImproperlyConfigured(f"{self.setting}: {entry!r} is not a {self.base.__name__} subclass")
        try:
            self.check_provider(cls)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"{self.setting}: {entry!r}: {exc}") from exc
        return cls

    def enabled(self) -> list[type[P]]:
        """The enabled provider classes, in the setting's order (each once).
        ImproperlyConfigured when an entry names no provider, or when a single-adapter
        kind's setting names none or several."""
        entries = self.entries()
        if not self.multiple and len(entries) != 1:
            raise ImproperlyConfigured(f"{self.setting} must name one {self.kind} provider, not {entries!r}")
        enabled: list[type[P]] = []
        for entry in entries:
            cls = self.resolve(entry)
            if cls not in enabled:
                enabled.append(cls)
        return enabled

    def is_enabled(self, identifier: str) -> bool:
        return any(self.identifier_of(cls) == identifier for cls in self.enabled())

    def get(self, identifier: str) -> P:
        """A new instance of the enabled provider ``identifier``. ProviderUnavailable when
        no provider has that identifier or it is not enabled."""
        for cls in self.enabled():
            if self.identifier_of(cls) == identifier:
                return self._make(cls, identifier)
        if identifier in self._providers:
            raise ProviderUnavailable(
                f"{self.kind} provider {identifier!r} is not enabled (add it to {self.setting})",
                kind=self.kind,
                identifier=identifier,
                registered=True,
            )
        known = ", ".join(self._providers) or "none"
        raise ProviderUnavailable(
            f"no {self.kind} provider {identifier!r} is registered (registered: {known})",
            kind=self.kind,
            identifier=identifier,
            registered=False,
        )

    def instances(self, where: Callable[[type[P]], bool] | None = None) -> list[P]:
        """A new instance of each enabled provider (those whose class ``where`` accepts), in
        the setting's order."""
        return [self._make(cls, self.identifier_of(cls)) for cls in self.enabled() if where is None or where(cls)]

    def configured(self) -> P:
        """A single-adapter kind's one enabled provider, new."""
        if self.multiple:
            raise TypeError(f"{self.kind} providers are enabled several at once: use get() or instances()")
        (provider,) = self.instances()
        return provider

    def _make(self, cls: type[P], identifier: str) -> P:
        provider = cls()
        if provider.identifier != identifier:  # an unregistered class named by its path
            provider.identifier = identifier
        return provider

    # -- checking ---------------------------------------------------------------------------

    def selection_errors(self) -> list[checks.CheckMessage]:
        """``govhall.E001`` when the setting names something that is not a provider."""
        try:
            self.enabled()
        except ImproperlyConfigured as exc:
            return [
                checks.Error(
                    str(exc),
                    hint=f"Registered {self.kind} providers: {', '.join(self._providers) or 'none'}, or the "
                    f"dotted path of a {self.base.__name__} subclass.",
                    obj=self.setting,
                    id="govhall.E001",
                )
            ]
        return []

    def deploy_messages(self) -> list[checks.CheckMessage]:
        """For each enabled provider: ``govhall.E002`` per problem its ``check_config``
        reports, and the provider's local warning (``govhall.W005`` when it has none of its
        own) when it is a local stand-in."""
        try:
            enabled = self.enabled()
        except ImproperlyConfigured:
            return []  # said by selection_errors, which every check runs
        messages: list[checks.CheckMessage] = []
        for cls in enabled:
            identifier = self.identifier_of(cls)
            name = f"{self.kind} provider {identifier!r} ({cls.verbose_name or cls.__name__})"
            try:
                problems = list(cls.check_config())
            except Exception as exc:  # a broken check must not hide the others
                problems = [f"its configuration check failed: {exc!r}"]
            messages.extend(
                checks.Error(
                    f"{name}: {problem}",
                    hint=f"Configure it, or take it out of {self.setting}.",
                    obj=self.setting,
                    id="govhall.E002",
                )
                for problem in problems
            )
            if cls.is_local:
                warning = cls.local_warning
                if warning is not None:
                    messages.append(checks.Warning(warning.message, hint=warning.hint, id=warning.id))
                else:
                    messages.append(
                        checks.Warning(
                            f"{name} is a local stand-in for development, not the outside system.",
                            hint=f"Enable a provider that reaches the outside system in {self.setting}.",
                            id="govhall.W005",
                        )
                    )
        return messages


def url_problems(*required: str, optional: Iterable[str] = ()) -> list[str]:
    """For :meth:`Provider.check_config`: each setting of ``required`` that is not set, and
    each of ``required`` and ``optional`` that is set but not an http(s) URL."""
    problems = []
    for name in (*required, *optional):
        url = str(getattr(settings, name, "") or "")
        if not url:
            if name in required:
                problems.append(f"{name} is not set")
        elif not url.startswith(("http://", "https://")):
            problems.append(f"{name} must be an http:// or https:// URL")
    return problems


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
