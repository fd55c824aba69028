"""Real-name verification adapters against a real local HTTP server (no mocks), and what
online registration does with their answer."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhall.accounts import services
from govhall.accounts.identity import (
    HttpJsonIdentityVerifier,
    IdentityUnavailable,
    LocalIdentityVerifier,
    get_verifier,
)
from govhall.accounts.models import User
from govhall.accounts.validators import id_number_check_char
from govhall.core.tests.gateway import json_route, running

BODY = "61010419850612003"
ID = BODY + id_number_check_char(BODY)
ROUTES = {
    "/match": json_route({"match": True, "serial": "hc-1"}),
    "/nomatch": json_route({"match": False}),
    "/vague": json_route({"result": "ok"}),
    "/busy": (503, f"upstream busy for {ID}".encode(), "text/plain"),
}


@pytest.fixture
def service():
    with running(ROUTES) as server:
        yield server


def verifier(service, path: str, **kw) -> HttpJsonIdentityVerifier:
    return HttpJsonIdentityVerifier(url=service.url(path), key="id-key", **kw)


def test_the_service_answers_match_or_not_and_gets_the_contract(service):
    assert verifier(service, "/match").verify(name="王小红", id_number=ID) is True
    assert verifier(service, "/nomatch").verify(name="王小红", id_number=ID) is False
    request = service.requests[0]
    assert request["key"] == "id-key" and request["body"] == {"name": "王小红", "id_number": ID}


def test_a_service_that_cannot_say_is_unavailable_with_numbers_masked(service):
    with pytest.raises(IdentityUnavailable) as exc:
        verifier(service, "/busy").verify(name="王小红", id_number=ID)
    assert "HTTP 503" in str(exc.value) and ID not in str(exc.value)
    with pytest.raises(IdentityUnavailable, match="没有 match"):
        verifier(service, "/vague").verify(name="王小红", id_number=ID)
    with pytest.raises(IdentityUnavailable, match="没有应答"):
        verifier(service, "/slow", timeout=0.3).verify(name="王小红", id_number=ID)


def test_the_adapter_is_configured(settings):
    assert isinstance(get_verifier(), LocalIdentityVerifier)  # the default
    settings.GOVHALL_IDENTITY_BACKEND = "govhall.accounts.models.User"
    with pytest.raises(ImproperlyConfigured):
        get_verifier()
    settings.GOVHALL_IDENTITY_BACKEND = "govhall.accounts.identity.HttpJsonIdentityVerifier"
    settings.GOVHALL_IDENTITY_URL = "file:///etc/passwd"
    with pytest.raises(ImproperlyConfigured):
        get_verifier()


def test_the_adapter_is_named_by_identifier(settings):
    settings.GOVHALL_IDENTITY_BACKEND = "local"
    assert isinstance(get_verifier(), LocalIdentityVerifier)
    settings.GOVHALL_IDENTITY_BACKEND = "http"
    settings.GOVHALL_IDENTITY_URL = "https://identity.example.gov.cn/verify"
    assert isinstance(get_verifier(), HttpJsonIdentityVerifier)
    settings.GOVHALL_IDENTITY_BACKEND = "police"
    with pytest.raises(ImproperlyConfigured, match="not a registered identity provider"):
        get_verifier()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message", "code"),
    [("/nomatch", "实名核验未通过", "identity_mismatch"), ("/busy", "暂时不可用", "identity_unavailable")],
)
def test_registration_asks_the_configured_service(service, settings, demo, path, message, code):
    settings.GOVHALL_IDENTITY_BACKEND = "govhall.accounts.identity.HttpJsonIdentityVerifier"
    settings.GOVHALL_IDENTITY_URL = service.url(path)
    sent = services.phone_code_send(phone="13912345678", purpose="register", address="10.0.0.1")
    with pytest.raises(services.DomainError, match=message) as exc:
        services.applicant_self_register(
            name="王小红", id_number=ID, phone="13912345678", code=sent, password="Lianhu-Xidajie-88"
        )
    assert exc.value.code == code and not User.objects.filter(username="13912345678").exists()
    settings.GOVHALL_IDENTITY_URL = service.url("/match")
    sent = services.phone_code_send(phone="13912345679", purpose="register", address="10.0.0.1")
    user = services.applicant_self_register(
        name="王小红", id_number=ID, phone="13912345679", code=sent, password="Lianhu-Xidajie-88"
    )
    assert user.applicant.id_number == ID
