"""Real-name verification adapters (实名核验): does this name go with this resident ID?

Only the issuing authority can say (the public-security citizen-identity service, or the
national government-service platform's identity service in front of it), and we cannot
reach it here. ``settings.GOVHALL_IDENTITY_BACKEND`` names the adapter by dotted path,
as the SMS gateway's does:

* :class:`LocalIdentityVerifier` (the default) asks nobody. The GB 11643 check digit is
  all that is checked, so online registration proves the mobile number, not the person;
  the case workflow still checks the person at the window or through their materials.
* :class:`HttpJsonIdentityVerifier` asks a service over HTTP (or a bridge in front of a
  provider's SDK). A deployment with another protocol subclasses
  :class:`BaseIdentityVerifier` in its own module and points the setting at it.
"""

from __future__ import annotations

import abc

from govhall.core.httpjson import HttpJsonClient, ServiceError
from govhall.core.plugins import configured


class IdentityUnavailable(Exception):
    """The verification service could not answer (the text is masked)."""


class BaseIdentityVerifier(abc.ABC):
    @abc.abstractmethod
    def verify(self, *, name: str, id_number: str) -> bool:
        """Whether ``name`` is the person with ``id_number``; raise
        :class:`IdentityUnavailable` when the service cannot say."""


class LocalIdentityVerifier(BaseIdentityVerifier):
    """No outside check (development, and sites without access to an identity service)."""

    def verify(self, *, name: str, id_number: str) -> bool:
        return True


class HttpJsonIdentityVerifier(HttpJsonClient, BaseIdentityVerifier):
    """``POST GOVHALL_IDENTITY_URL`` with ``X-Api-Key: GOVHALL_IDENTITY_KEY`` and the body
    ``{"name", "id_number"}``; the answer is a 2xx JSON object whose ``match`` is true or
    false. Any other answer means the service could not say."""

    setting = "GOVHALL_IDENTITY"
    agent = "govhall-identity/1"
    service = "实名核验服务"

    def verify(self, *, name: str, id_number: str) -> bool:
        try:
            return self.post_match({"name": name, "id_number": id_number})
        except ServiceError as exc:
            raise IdentityUnavailable(str(exc)) from None


def get_verifier() -> BaseIdentityVerifier:
    """A new instance of the adapter named by ``settings.GOVHALL_IDENTITY_BACKEND``."""
    return configured("GOVHALL_IDENTITY_BACKEND", BaseIdentityVerifier)
