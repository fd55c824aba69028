"""Real-name verification adapters (实名核验): does this name go with this resident ID?

Only the issuing authority can say (the public-security citizen-identity service, or the
national government-service platform's identity service in front of it), and we cannot
reach it here. The adapters are providers of the ``identity`` registry
(``core/registry.py``) and ``settings.GOVHALL_IDENTITY_BACKEND`` enables one by identifier
(``local``, ``http``) or dotted path, as the SMS gateway's does:

* :class:`LocalIdentityVerifier` (``local``, the default) asks nobody. The GB 11643 check digit is
  all that is checked, so online registration proves the mobile number, not the person;
  the case workflow still checks the person at the window or through their materials.
* :class:`HttpJsonIdentityVerifier` (``http``) asks a service over HTTP (or a bridge in front of a
  provider's SDK). A deployment with another protocol subclasses
  :class:`BaseIdentityVerifier` in its own module and points the setting at it.
"""

from __future__ import annotations

import abc

from govhall.core.httpjson import HttpJsonClient, ServiceError
from govhall.core.registry import LocalWarning, Provider, Registry, url_problems


class IdentityUnavailable(Exception):
    """The verification service could not answer (the text is masked)."""


class BaseIdentityVerifier(Provider, abc.ABC):
    verbose_name = "实名核验"

    @abc.abstractmethod
    def verify(self, *, name: str, id_number: str) -> bool:
        """Whether ``name`` is the person with ``id_number``; raise
        :class:`IdentityUnavailable` when the service cannot say."""


registry: Registry[BaseIdentityVerifier] = Registry(
    "identity", base=BaseIdentityVerifier, setting="GOVHALL_IDENTITY_BACKEND", verbose_name="实名核验"
)


@registry.register("local")
class LocalIdentityVerifier(BaseIdentityVerifier):
    """No outside check (development, and sites without access to an identity service)."""

    verbose_name = "本地（仅校验身份证号码校验位）"
    is_local = True
    local_warning = LocalWarning(
        "govhall.W002",
        "Online registration checks only the resident ID's check digit (no real-name verification).",
        "Point GOVHALL_IDENTITY_BACKEND at HttpJsonIdentityVerifier (GOVHALL_IDENTITY_URL/KEY) or your own adapter.",
    )

    def verify(self, *, name: str, id_number: str) -> bool:
        return True


@registry.register("http")
class HttpJsonIdentityVerifier(HttpJsonClient, BaseIdentityVerifier):
    """``POST GOVHALL_IDENTITY_URL`` with ``X-Api-Key: GOVHALL_IDENTITY_KEY`` and the body
    ``{"name", "id_number"}``; the answer is a 2xx JSON object whose ``match`` is true or
    false. Any other answer means the service could not say."""

    verbose_name = "HTTP 实名核验服务"
    setting = "GOVHALL_IDENTITY"
    agent = "govhall-identity/1"
    service = "实名核验服务"

    @classmethod
    def check_config(cls) -> list[str]:
        return url_problems("GOVHALL_IDENTITY_URL")

    def verify(self, *, name: str, id_number: str) -> bool:
        try:
            return self.post_match({"name": name, "id_number": id_number})
        except ServiceError as exc:
            raise IdentityUnavailable(str(exc)) from None


def get_verifier() -> BaseIdentityVerifier:
    """A new instance of the adapter ``settings.GOVHALL_IDENTITY_BACKEND`` enables."""
    return registry.configured()
