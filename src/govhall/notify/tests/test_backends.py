"""The HTTP gateway adapter against a real local HTTP server (no mocks)."""

import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhall.core.tests.gateway import json_route, running
from govhall.notify.backends import HttpJsonSmsBackend, OutboxBackend, SmsError, get_backend
from govhall.notify.models import Notification
from govhall.notify.services import notification_send

PHONE = "13800138000"


ROUTES = {
    "/ok": json_route({"id": "gw-0001", "status": "queued"}),
    "/busy": (503, f"upstream busy for {PHONE}".encode(), "text/plain"),
    "/refuse": json_route({"error": f"签名未报备 {PHONE}"}),
    "/html": (200, b"<html>login</html>", "text/html"),
}


@pytest.fixture
def gateway():
    with running(ROUTES) as server:
        yield server


def backend(gateway, path: str, **kw) -> HttpJsonSmsBackend:
    return HttpJsonSmsBackend(url=gateway.url(path), key="k-123", sign="【某市政务服务】", **kw)


def test_success_returns_the_gateway_reference_and_sends_the_contract(gateway):
    assert backend(gateway, "/ok").send(PHONE, "您的办件已受理") == "gw-0001"
    (request,) = gateway.requests
    assert request["key"] == "k-123"
    assert request["content_type"].startswith("application/json")
    assert request["body"] == {"phone": PHONE, "text": "您的办件已受理", "sign": "【某市政务服务】"}


def test_gateway_error_status_is_an_sms_error_with_the_number_masked(gateway):
    with pytest.raises(SmsError) as exc:
        backend(gateway, "/busy").send(PHONE, "x")
    assert "HTTP 503" in str(exc.value)
    assert PHONE not in str(exc.value) and "138****8000" in str(exc.value)


def test_refusal_in_a_2xx_answer_is_an_sms_error(gateway):
    with pytest.raises(SmsError, match="签名未报备"):
        backend(gateway, "/refuse").send(PHONE, "x")
    with pytest.raises(SmsError, match="不是 JSON"):
        backend(gateway, "/html").send(PHONE, "x")


def test_timeout_is_an_sms_error(gateway):
    with pytest.raises(SmsError, match="没有应答"):
        backend(gateway, "/slow", timeout=0.3).send(PHONE, "x")


def test_unreachable_gateway_is_an_sms_error():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SmsError, match="无法连接网关"):
        HttpJsonSmsBackend(url=f"http://127.0.0.1:{port}/", timeout=2).send(PHONE, "x")


def test_url_must_be_http(settings):
    settings.GOVHALL_SMS_URL = ""
    with pytest.raises(ImproperlyConfigured):
        HttpJsonSmsBackend()
    with pytest.raises(ImproperlyConfigured):
        HttpJsonSmsBackend(url="file:///etc/passwd")


def test_get_backend_loads_the_configured_adapter(settings):
    settings.GOVHALL_SMS_BACKEND = "govhall.notify.backends.OutboxBackend"
    assert isinstance(get_backend(), OutboxBackend)
    settings.GOVHALL_SMS_BACKEND = "govhall.notify.models.Notification"
    with pytest.raises(ImproperlyConfigured):
        get_backend()
    settings.GOVHALL_SMS_BACKEND = "govhall.notify.nowhere.Backend"
    with pytest.raises(ImproperlyConfigured):
        get_backend()


def test_get_backend_takes_the_registered_identifiers(settings):
    settings.GOVHALL_SMS_BACKEND = "outbox"
    assert isinstance(get_backend(), OutboxBackend)
    settings.GOVHALL_SMS_BACKEND = "http"
    settings.GOVHALL_SMS_URL = "https://sms.example.gov.cn/send"
    backend = get_backend()
    assert isinstance(backend, HttpJsonSmsBackend) and backend.identifier == "http"
    settings.GOVHALL_SMS_BACKEND = "aliyun"
    with pytest.raises(ImproperlyConfigured, match="not a registered sms provider"):
        get_backend()


def test_the_outbox_shows_the_message_on_the_console_only_in_development(settings, capsys):
    settings.DEBUG = True
    OutboxBackend().send("13800138000", "您的验证码为402917")
    err = capsys.readouterr().err
    assert "402917" in err and "138****8000" in err and "13800138000" not in err
    settings.DEBUG = False
    OutboxBackend().send("13800138000", "您的验证码为402917")
    assert capsys.readouterr().err == ""


def test_notification_delivered_through_the_http_gateway(gateway, settings, db, django_capture_on_commit_callbacks):
    settings.GOVHALL_SMS_BACKEND = "govhall.notify.backends.HttpJsonSmsBackend"
    settings.GOVHALL_SMS_URL = gateway.url("/ok")
    settings.GOVHALL_SMS_KEY = "live-key"
    settings.GOVHALL_SMS_SIGN = "【政务服务】"
    with django_capture_on_commit_callbacks(execute=True):
        (sms,) = notification_send(event="case.done", text="已办结，请取件", phone=PHONE)
    sms.refresh_from_db()
    assert (sms.status, sms.gateway_ref) == (Notification.Status.SENT, "gw-0001")
    assert gateway.requests[0]["key"] == "live-key"
    assert gateway.requests[0]["body"]["sign"] == "【政务服务】"
