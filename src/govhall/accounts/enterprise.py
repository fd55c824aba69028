"""Enterprise verification adapters (企业核验): is this credit code this company, with this
legal representative?

Only the market-regulation registry (市场监管部门的企业登记信息, or the national
government-service platform's legal-person service in front of it) can say, and we cannot
reach it here. The adapters are providers of the ``enterprise`` registry
(``core/registry.py``) and ``settings.GOVHALL_ENTERPRISE_BACKEND`` enables one by identifier
(``local``, ``http``) or dotted path, as real-name verification's does:

* :class:`LocalEnterpriseVerifier` (``local``, the default) asks nobody. The GB 32100 check digit is
  all that is checked, so anyone with a real-name account may register a company under
  their own name as its legal representative; the case workflow still checks the company
  at the window or through its materials (business licence, seal).
* :class:`HttpJsonEnterpriseVerifier` (``http``) asks a service over HTTP (or a bridge in front of a
  provider's SDK). A deployment with another protocol subclasses
  :class:`BaseEnterpriseVerifier` in its own module and points the setting at it.
"""

from __future__ import annotations

import abc

from govhall.core.httpjson import HttpJsonClient, ServiceError
from govhall.core.registry import LocalWarning, Provider, Registry, url_problems


class EnterpriseUnavailable(Exception):
    """The verification service could not answer (the text is masked)."""


class BaseEnterpriseVerifier(Provider, abc.ABC):
    verbose_name = "企业核验"

    @abc.abstractmethod
    def verify(self, *, uscc: str, name: str, legal_representative: str, legal_representative_id_number: str) -> bool:
        """Whether the registry holds ``uscc`` as the company ``name`` whose legal
        representative is the person ``legal_representative`` with that resident ID; raise
        :class:`EnterpriseUnavailable` when the service cannot say."""


registry: Registry[BaseEnterpriseVerifier] = Registry(
    "enterprise", base=BaseEnterpriseVerifier, setting="GOVHALL_ENTERPRISE_BACKEND", verbose_name="企业核验"
)


@registry.register("local")
class LocalEnterpriseVerifier(BaseEnterpriseVerifier):
    """No outside check (development, and sites without access to the registry): every
    company whose credit code has a valid GB 32100 check digit (the caller has checked it)
    is taken to be what the applicant says."""

    verbose_name = "本地（仅校验统一社会信用代码校验位）"
    is_local = True
    local_warning = LocalWarning(
        "govhall.W003",
        "Online 法人注册 checks only the credit code's check digit: anyone with a real-name account can "
        "register a company the window has not recorded, as its legal representative.",
        "Point GOVHALL_ENTERPRISE_BACKEND at HttpJsonEnterpriseVerifier (GOVHALL_ENTERPRISE_URL/KEY) or your own "
        "adapter.",
    )

    def verify(self, *, uscc: str, name: str, legal_representative: str, legal_representative_id_number: str) -> bool:
        return True


@registry.register("http")
class HttpJsonEnterpriseVerifier(HttpJsonClient, BaseEnterpriseVerifier):
    """``POST GOVHALL_ENTERPRISE_URL`` with ``X-Api-Key: GOVHALL_ENTERPRISE_KEY`` and the body
    ``{"uscc", "name", "legal_representative", "legal_representative_id_number"}``; the
    answer is a 2xx JSON object whose ``match`` is true or false. Any other answer means
    the service could not say."""

    verbose_name = "HTTP 企业核验服务"
    setting = "GOVHALL_ENTERPRISE"
    agent = "govhall-enterprise/1"
    service = "企业核验服务"

    @classmethod
    def check_config(cls) -> list[str]:
        return url_problems("GOVHALL_ENTERPRISE_URL")

    def verify(self, *, uscc: str, name: str, legal_representative: str, legal_representative_id_number: str) -> bool:
        try:
            return self.post_match(
                {
                    "uscc": uscc,
                    "name": name,
                    "legal_representative": legal_representative,
                    "legal_representative_id_number": legal_representative_id_number,
                }
            )
        except ServiceError as exc:
            raise EnterpriseUnavailable(str(exc)) from None


def get_verifier() -> BaseEnterpriseVerifier:
    """A new instance of the adapter ``settings.GOVHALL_ENTERPRISE_BACKEND`` enables."""
    return registry.configured()
