"""The provider registry (core/registry.py) and the checks it feeds (core/checks.py)."""

from __future__ import annotations

import pytest
from django.core import checks as django_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from govhall.core import checks
from govhall.core.registry import LocalWarning, Provider, ProviderUnavailable, Registry, registries, url_problems


class Widget(Provider):
    """A test kind's base class."""

    def make(self) -> str:
        raise NotImplementedError


class UnregisteredWidget(Widget):
    """A deployment's own adapter, named by its dotted path."""

    verbose_name = "自建部件"

    def make(self) -> str:
        return "own"


UNREGISTERED = f"{__name__}.UnregisteredWidget"


@pytest.fixture
def widgets(settings):
    """A listed registry of kind ``widget`` with two providers, enabled by
    ``GOVHALL_WIDGETS`` (several at once), taken out of the index after the test."""
    registry = Registry("widget", base=Widget, setting="GOVHALL_WIDGETS", multiple=True, verbose_name="部件")

    @registry.register("plain")
    class Plain(Widget):
        verbose_name = "普通部件"

        def make(self) -> str:
            return "plain"

    @registry.register("remote")
    class Remote(Widget):
        verbose_name = "远程部件"

        @classmethod
        def check_config(cls) -> list[str]:
            return url_problems("GOVHALL_WIDGET_URL")

        def make(self) -> str:
            return "remote"

    settings.GOVHALL_WIDGETS = ["plain"]
    settings.GOVHALL_WIDGET_URL = ""
    yield registry
    registry.unlist()


def test_providers_register_under_their_identifier(widgets):
    plain, remote = widgets.all()
    assert (plain.identifier, remote.identifier) == ("plain", "remote")
    assert "plain" in widgets and "nothing" not in widgets
    assert widgets in registries()


def test_an_identifier_is_unique_per_registry(widgets):
    with pytest.raises(ValueError, match="registered already"):

        @widgets.register("plain")
        class Another(Widget):
            verbose_name = "另一个"

    assert [cls.__name__ for cls in widgets.all()] == ["Plain", "Remote"]  # the first one stays
    # another registry may use the same identifier
    other = Registry("gadget", base=Widget, setting="GOVHALL_GADGETS", listed=False)
    other.register("plain")(type("GadgetPlain", (Widget,), {"verbose_name": "普通"}))
    assert "plain" in other


def test_what_register_refuses(widgets):
    with pytest.raises(ValueError, match="identifier"):
        widgets.register("Has Spaces")
    with pytest.raises(TypeError, match="not a Widget subclass"):
        widgets.register("wrong_base")(type("NotAWidget", (Provider,), {"verbose_name": "x"}))
    with pytest.raises(ValueError, match="verbose_name"):
        widgets.register("nameless")(type("Nameless", (Widget,), {}))
    with pytest.raises(ValueError, match="registered already"):
        widgets.register("alias")(widgets.all()[0])  # one class, one identifier
    with pytest.raises(ValueError, match="exists already"):
        Registry("widget", base=Widget, setting="GOVHALL_WIDGETS")  # one registry per kind


def test_the_setting_enables_providers_in_its_order(widgets, settings):
    assert [cls.identifier for cls in widgets.enabled()] == ["plain"]
    assert widgets.is_enabled("plain") and not widgets.is_enabled("remote")
    settings.GOVHALL_WIDGETS = "remote, plain,remote"  # a string from the environment; twice counts once
    assert [cls.identifier for cls in widgets.enabled()] == ["remote", "plain"]
    assert [provider.make() for provider in widgets.instances()] == ["remote", "plain"]
    settings.GOVHALL_WIDGETS = []
    assert widgets.enabled() == [] and widgets.instances() == []


def test_get_gives_a_new_enabled_provider_or_says_why_not(widgets):
    first, second = widgets.get("plain"), widgets.get("plain")
    assert first is not second and first.make() == "plain" and first.identifier == "plain"
    with pytest.raises(ProviderUnavailable, match=r"not enabled .*GOVHALL_WIDGETS") as disabled:
        widgets.get("remote")
    assert (disabled.value.kind, disabled.value.identifier, disabled.value.registered) == ("widget", "remote", True)
    with pytest.raises(ProviderUnavailable, match="no widget provider 'nothing' is registered") as unknown:
        widgets.get("nothing")
    assert unknown.value.registered is False


def test_a_dotted_path_names_a_registered_or_an_own_provider(widgets, settings):
    settings.GOVHALL_WIDGETS = [f"{__name__}.UnregisteredWidget", "plain"]
    own = widgets.get(UNREGISTERED)
    assert own.make() == "own" and own.identifier == UNREGISTERED
    settings.GOVHALL_WIDGETS = [f"{widgets.all()[1].__module__}.nothing"]
    with pytest.raises(ImproperlyConfigured, match="cannot import"):
        widgets.enabled()
    settings.GOVHALL_WIDGETS = ["govhall.core.registry.Registry"]
    with pytest.raises(ImproperlyConfigured, match="not a Widget subclass"):
        widgets.enabled()
    settings.GOVHALL_WIDGETS = ["plain", "nothing"]
    with pytest.raises(ImproperlyConfigured, match="'nothing' is not a registered widget provider"):
        widgets.enabled()


def test_a_single_adapter_kind_has_one_configured_provider(settings):
    single = Registry("single_widget", base=Widget, setting="GOVHALL_SINGLE_WIDGET", listed=False)
    single.register("local")(type("LocalWidget", (Widget,), {"verbose_name": "本地", "make": lambda self: "local"}))
    settings.GOVHALL_SINGLE_WIDGET = "local"
    assert single.configured().make() == "local"
    settings.GOVHALL_SINGLE_WIDGET = UNREGISTERED  # a deployment's own adapter, not registered
    assert single.configured().make() == "own"
    for wrong in ("", ["local", UNREGISTERED]):
        settings.GOVHALL_SINGLE_WIDGET = wrong
        with pytest.raises(ImproperlyConfigured, match="must name one"):
            single.configured()
    several = Registry("several", base=Widget, setting="GOVHALL_WIDGETS", multiple=True, listed=False)
    with pytest.raises(TypeError):
        several.configured()


def test_check_config_of_enabled_providers_feeds_the_deploy_check(widgets, settings):
    assert _ours(checks.outside_services_configured(None)) == []
    settings.GOVHALL_WIDGETS = ["plain", "remote"]
    (error,) = _ours(checks.outside_services_configured(None))
    assert error.id == "govhall.E002" and error.level == django_checks.ERROR
    assert "'remote'" in error.msg and "GOVHALL_WIDGET_URL is not set" in error.msg
    settings.GOVHALL_WIDGET_URL = "ftp://widgets.example/"
    (error,) = _ours(checks.outside_services_configured(None))
    assert "must be an http:// or https:// URL" in error.msg
    settings.GOVHALL_WIDGET_URL = "https://widgets.example/"
    assert _ours(checks.outside_services_configured(None)) == []
    # a disabled provider's configuration is not the deployment's concern
    settings.GOVHALL_WIDGET_URL, settings.GOVHALL_WIDGETS = "", ["plain"]
    assert _ours(checks.outside_services_configured(None)) == []


def test_manage_py_check_deploy_runs_the_registry_checks(widgets, settings):
    settings.GOVHALL_WIDGETS = ["remote"]
    with pytest.raises(SystemCheckError, match=r"govhall\.E002.*GOVHALL_WIDGET_URL is not set"):
        call_command("check", deploy=True, tags=["security"], fail_level="ERROR")
    settings.GOVHALL_WIDGET_URL = "https://widgets.example/"
    call_command("check", deploy=True, tags=["security"], fail_level="ERROR")


def test_a_setting_that_names_no_provider_is_an_error_in_every_environment(widgets, settings):
    settings.GOVHALL_WIDGETS = ["plain", "plian"]
    (error,) = _ours(checks.providers_selected(None))
    assert error.id == "govhall.E001" and "'plian' is not a registered widget provider" in error.msg
    assert "plain, remote" in error.hint
    assert _ours(checks.outside_services_configured(None)) == []  # said once, by E001


def test_local_stand_ins_are_deploy_warnings(widgets, settings):
    @widgets.register("toy")
    class Toy(Widget):
        verbose_name = "玩具部件"
        is_local = True

    @widgets.register("mock")
    class Mock(Widget):
        verbose_name = "模拟部件"
        is_local = True
        local_warning = LocalWarning("govhall.W999", "Widgets are pretend.", "Enable remote.")

    settings.GOVHALL_WIDGETS = ["toy", "mock"]
    toy, mock = _ours(checks.outside_services_configured(None))
    assert (toy.id, toy.level) == ("govhall.W005", django_checks.WARNING) and "'toy'" in toy.msg
    assert (mock.id, mock.msg, mock.hint) == ("govhall.W999", "Widgets are pretend.", "Enable remote.")


def test_a_broken_check_config_is_reported_not_raised(widgets, settings):
    @widgets.register("broken")
    class Broken(Widget):
        verbose_name = "坏部件"

        @classmethod
        def check_config(cls) -> list[str]:
            raise KeyError("GOVHALL_WIDGET_SECRET")

    settings.GOVHALL_WIDGETS = ["broken"]
    (error,) = _ours(checks.outside_services_configured(None))
    assert error.id == "govhall.E002" and "configuration check failed" in error.msg


def test_the_single_adapters_are_registries_with_their_warnings(settings):
    kinds = {registry.kind: registry for registry in registries()}
    assert {"sms", "identity", "enterprise"} <= set(kinds)
    assert [cls.identifier for cls in kinds["sms"].all()] == ["outbox", "http"]
    assert [cls.identifier for cls in kinds["identity"].all()] == ["local", "http"]
    assert [cls.identifier for cls in kinds["enterprise"].all()] == ["local", "http"]
    settings.GOVHALL_SMS_BACKEND, settings.GOVHALL_IDENTITY_BACKEND, settings.GOVHALL_ENTERPRISE_BACKEND = (
        "outbox",
        "govhall.accounts.identity.LocalIdentityVerifier",  # the dotted path names the same provider
        "local",
    )
    assert {m.id for m in checks.outside_services_configured(None)} >= {"govhall.W002", "govhall.W003", "govhall.W004"}
    # the HTTP adapters enabled without their URLs: an error each, and no local warnings
    settings.GOVHALL_SMS_BACKEND = settings.GOVHALL_IDENTITY_BACKEND = settings.GOVHALL_ENTERPRISE_BACKEND = "http"
    settings.GOVHALL_SMS_URL = settings.GOVHALL_IDENTITY_URL = settings.GOVHALL_ENTERPRISE_URL = ""
    # (the 好差评 reporter, another single-adapter kind, configured: not this test's subject)
    settings.GOVHALL_EVALUATION_REPORTER = "http"
    settings.GOVHALL_EVALUATION_REPORT_URL, settings.GOVHALL_EVALUATION_REPORT_KEY = "https://pj.example.gov.cn/r", "k"
    messages = [m for m in checks.outside_services_configured(None) if m.id.startswith("govhall.")]
    assert [m.id for m in messages] == ["govhall.E002"] * 3
    assert {m.msg.rsplit(": ", 1)[1] for m in messages} == {
        "GOVHALL_SMS_URL is not set",
        "GOVHALL_IDENTITY_URL is not set",
        "GOVHALL_ENTERPRISE_URL is not set",
    }


def _ours(messages: list[django_checks.CheckMessage]) -> list[django_checks.CheckMessage]:
    """The messages about the test registry (the project's own registries may add theirs)."""
    return [m for m in messages if "widget" in f"{m.msg} {m.obj} {m.hint}".lower()]
