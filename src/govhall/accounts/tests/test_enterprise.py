"""Enterprise verification adapters against a real local HTTP server (no mocks), and what
法人注册 does with their answer."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhall.accounts import services
from govhall.accounts.enterprise import (
    EnterpriseUnavailable,
    HttpJsonEnterpriseVerifier,
    LocalEnterpriseVerifier,
    get_verifier,
)
from govhall.accounts.models import Applicant, Operator, User
from govhall.accounts.validators import uscc_check_char
from govhall.core.tests.gateway import json_route, running

USCC = "91610104MA6TH2468" + uscc_check_char("91610104MA6TH2468")
COMPANY = "西安莲湖晨光餐饮有限公司"
REPRESENTATIVE_ID = "610104199003071234"  # any text: the adapter passes it on
ROUTES = {
    "/match": json_route({"match": True, "regStatus": "存续"}),
    "/nomatch": json_route({"match": False}),
    "/vague": json_route({"status": "ok"}),
    "/busy": (502, f"upstream busy for {REPRESENTATIVE_ID}".encode(), "text/plain"),
}
HTTP_BACKEND = "govhall.accounts.enterprise.HttpJsonEnterpriseVerifier"


@pytest.fixture
def service():
    with running(ROUTES) as server:
        yield server


def verifier(service, path: str, **kw) -> HttpJsonEnterpriseVerifier:
    return HttpJsonEnterpriseVerifier(url=service.url(path), key="ent-key", **kw)


def ask(v) -> bool:
    return v.verify(
        uscc=USCC, name=COMPANY, legal_representative="张明", legal_representative_id_number=REPRESENTATIVE_ID
    )


def test_the_service_answers_match_or_not_and_gets_the_contract(service):
    assert ask(verifier(service, "/match")) is True
    assert ask(verifier(service, "/nomatch")) is False
    request = service.requests[0]
    assert request["key"] == "ent-key" and request["content_type"].startswith("application/json")
    assert request["body"] == {
        "uscc": USCC,
        "name": COMPANY,
        "legal_representative": "张明",
        "legal_representative_id_number": REPRESENTATIVE_ID,
    }


def test_a_service_that_cannot_say_is_unavailable_with_numbers_masked(service):
    with pytest.raises(EnterpriseUnavailable) as exc:
        ask(verifier(service, "/busy"))
    assert "HTTP 502" in str(exc.value) and REPRESENTATIVE_ID not in str(exc.value)
    with pytest.raises(EnterpriseUnavailable, match="没有 match"):
        ask(verifier(service, "/vague"))
    with pytest.raises(EnterpriseUnavailable, match="没有应答"):
        ask(verifier(service, "/slow", timeout=0.3))


def test_the_adapter_is_configured(settings):
    assert isinstance(get_verifier(), LocalEnterpriseVerifier)  # the default
    settings.GOVHALL_ENTERPRISE_BACKEND = "govhall.accounts.identity.LocalIdentityVerifier"  # not one of ours
    with pytest.raises(ImproperlyConfigured):
        get_verifier()
    settings.GOVHALL_ENTERPRISE_BACKEND = HTTP_BACKEND
    settings.GOVHALL_ENTERPRISE_URL = "ftp://registry.example/verify"
    with pytest.raises(ImproperlyConfigured, match="GOVHALL_ENTERPRISE_URL"):
        get_verifier()


def test_the_adapter_is_named_by_identifier(settings):
    settings.GOVHALL_ENTERPRISE_BACKEND = "local"
    assert isinstance(get_verifier(), LocalEnterpriseVerifier)
    settings.GOVHALL_ENTERPRISE_BACKEND = "http"
    settings.GOVHALL_ENTERPRISE_URL = "https://registry.example.gov.cn/verify"
    assert isinstance(get_verifier(), HttpJsonEnterpriseVerifier)
    settings.GOVHALL_ENTERPRISE_BACKEND = "samr"
    with pytest.raises(ImproperlyConfigured, match="not a registered enterprise provider"):
        get_verifier()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message", "code", "status"),
    [
        ("/nomatch", "企业核验未通过", "enterprise_mismatch", 400),
        ("/busy", "企业核验服务暂时不可用", "enterprise_unavailable", 503),
    ],
)
def test_registration_asks_the_configured_service(service, settings, demo, path, message, code, status):
    settings.GOVHALL_ENTERPRISE_BACKEND = HTTP_BACKEND
    settings.GOVHALL_ENTERPRISE_URL = service.url(path)
    citizen = User.objects.get(username="citizen")
    with pytest.raises(services.DomainError, match=message) as exc:
        services.legal_person_register(actor=citizen, name=COMPANY, uscc=USCC)
    assert (exc.value.code, exc.value.status) == (code, status)
    assert not Applicant.objects.filter(uscc=USCC).exists()

    settings.GOVHALL_ENTERPRISE_URL = service.url("/match")
    company, linked = services.legal_person_register(actor=citizen, name=COMPANY, uscc=USCC)
    assert linked and Operator.objects.get(applicant=company, user=citizen).is_legal_representative
    # The legal representative sent is the actor, from their own real-name record.
    own = Applicant.objects.get(user=citizen)
    assert service.requests[-1]["body"]["legal_representative"] == own.name == "张明"
    assert service.requests[-1]["body"]["legal_representative_id_number"] == own.id_number
    # A repeat is answered from the database: the registry is not asked again.
    asked = len(service.requests)
    assert services.legal_person_register(actor=citizen, name=COMPANY, uscc=USCC) == (company, False)
    assert len(service.requests) == asked


@pytest.mark.django_db
def test_cheap_checks_come_before_the_registry(service, settings, demo):
    settings.GOVHALL_ENTERPRISE_BACKEND = HTTP_BACKEND
    settings.GOVHALL_ENTERPRISE_URL = service.url("/match")
    with pytest.raises(services.DomainError, match="校验位"):
        services.legal_person_register(actor=User.objects.get(username="citizen"), name=COMPANY, uscc=USCC[:-1] + "0")
    with pytest.raises(services.Forbidden):
        services.legal_person_register(actor=User.objects.get(username="company"), name=COMPANY, uscc=USCC)
    assert service.requests == []
