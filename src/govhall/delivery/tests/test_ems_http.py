"""The EMS HTTP/JSON adapter against a real local HTTP server (no mocks)."""

import logging
import socket
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhall.core.errors import DomainError
from govhall.core.tests.gateway import json_route, running
from govhall.delivery import services
from govhall.delivery.base import Receipt, Shipment, TrackingEvent
from govhall.delivery.contrib.ems import HANDWRITTEN, EmsHttpProvider

PHONE = "13800138000"
ADDRESS = "西安市莲湖区北院门100号"
CHINA = ZoneInfo("Asia/Shanghai")
ROUTES = {
    "/waybill": json_route({"waybill_no": "EA123456789CN", "fee": 18}),
    "/nowaybill": json_route({"status": "ok"}),
    "/badwaybill": json_route({"waybill_no": "EA-1 2"}),
    "/refuse": json_route({"error": f"地址不在服务范围 {PHONE}"}),
    "/busy": (503, f"upstream busy for {PHONE}".encode(), "text/plain"),
    "/track": json_route(
        {
            "events": [
                {"time": "2025-05-07T09:30:00+08:00", "status": "已签收", "place": "西安市莲湖区"},
                {"time": "2025-05-06 16:05:00", "status": "已揽收", "place": "西安市邮政局"},  # China time
                {"time": "2025-05-06T21:00:00+08:00", "status": "运输中"},
            ]
        }
    ),
    "/track-none": json_route({"events": []}),
    "/track-bad": json_route({"events": [{"time": "yesterday", "status": "?"}]}),
    "/cancel": json_route({"cancelled": True}),
}


@pytest.fixture
def ems():
    with running(ROUTES) as server:
        yield server


def provider(ems, path: str = "/waybill", **kw) -> EmsHttpProvider:
    kw.setdefault("track_url", ems.url("/track"))
    kw.setdefault("cancel_url", ems.url("/cancel"))
    return EmsHttpProvider(url=ems.url(path), key="ems-key", **kw)


def shipment(**kw) -> Shipment:
    return Shipment(
        **{
            "case_number": "2025-000123",
            "item_name": "食品经营许可",
            "recipient": "张明",
            "phone": PHONE,
            "address": ADDRESS,
            **kw,
        }
    )


def test_a_waybill_is_made_by_the_endpoint_and_gets_the_contract(ems):
    receipt = provider(ems).hand_over(shipment())
    assert receipt == Receipt(provider="ems_http", mode="mail", tracking_number="EA123456789CN")
    (request,) = ems.requests
    assert request["path"] == "/waybill" and request["key"] == "ems-key"
    assert request["content_type"].startswith("application/json")
    assert request["body"] == {
        "case_number": "2025-000123",
        "item_name": "食品经营许可",
        "recipient": "张明",
        "phone": PHONE,
        "address": ADDRESS,
    }


def test_a_hand_written_waybill_number_is_taken_without_asking(ems):
    receipt = provider(ems).hand_over(shipment(tracking_number=" EA000000001CN "))
    assert receipt == Receipt(provider="ems_http", mode="mail", tracking_number="EA000000001CN", note=HANDWRITTEN)
    provider(ems).cancel(receipt)  # EMS made nothing: nothing to cancel
    assert ems.requests == []
    with pytest.raises(DomainError, match="只能由字母和数字组成"):
        provider(ems).hand_over(shipment(tracking_number="EA-1"))


def test_the_address_is_checked_before_the_endpoint_is_asked(ems):
    with pytest.raises(DomainError, match="请填写邮寄地址") as exc:
        provider(ems).hand_over(shipment(address=""))
    assert exc.value.detail == {"field": "address"} and ems.requests == []


@pytest.mark.parametrize("path", ["/busy", "/nowaybill", "/badwaybill", "/slow"])
def test_an_endpoint_that_cannot_make_a_waybill_is_unavailable(ems, path):
    with pytest.raises(DomainError, match="EMS下单暂时不可用") as exc:
        provider(ems, path, timeout=0.3).hand_over(shipment())
    assert (exc.value.code, exc.value.status, exc.value.detail) == (
        "delivery_unavailable",
        503,
        {"provider": "ems_http"},
    )
    assert PHONE not in exc.value.message


def test_a_refusal_says_why_with_the_number_masked(ems):
    with pytest.raises(DomainError, match="地址不在服务范围") as exc:
        provider(ems, "/refuse").hand_over(shipment())
    assert (exc.value.code, exc.value.status) == ("delivery_refused", 409)
    assert PHONE not in exc.value.message and "138****8000" in exc.value.message


def test_an_unreachable_endpoint_is_unavailable():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DomainError) as exc:
        EmsHttpProvider(url=f"http://127.0.0.1:{port}/", timeout=2).hand_over(shipment())
    assert exc.value.code == "delivery_unavailable"


def test_tracking_answers_the_carriers_events_oldest_first_in_china_time(ems):
    events = provider(ems).track("EA123456789CN")
    assert events == [
        TrackingEvent(at=datetime(2025, 5, 6, 16, 5, tzinfo=CHINA), status="已揽收", place="西安市邮政局"),
        TrackingEvent(at=datetime(2025, 5, 6, 21, 0, tzinfo=CHINA), status="运输中"),
        TrackingEvent(at=datetime(2025, 5, 7, 9, 30, tzinfo=CHINA), status="已签收", place="西安市莲湖区"),
    ]
    assert ems.requests[-1]["body"] == {"waybill_no": "EA123456789CN"} and ems.requests[-1]["path"] == "/track"
    assert provider(ems, track_url=ems.url("/track-none")).track("EA123456789CN") == []
    assert provider(ems, track_url="").track("EA123456789CN") == []  # no tracking configured
    with pytest.raises(DomainError) as exc:
        provider(ems, track_url=ems.url("/track-bad")).track("EA123456789CN")
    assert exc.value.code == "delivery_unavailable"
    with pytest.raises(DomainError, match="EMS查询暂时不可用"):
        provider(ems, track_url=ems.url("/busy")).track("EA123456789CN")


def test_cancel_tells_the_endpoint_or_logs_the_waybill(ems, caplog):
    receipt = provider(ems).hand_over(shipment())
    provider(ems).cancel(receipt)
    assert ems.requests[-1] == {
        "path": "/cancel",
        "key": "ems-key",
        "content_type": "application/json; charset=utf-8",
        "body": {"waybill_no": "EA123456789CN"},
    }
    asked = len(ems.requests)
    logger = logging.getLogger("govhall.delivery")
    logger.addHandler(caplog.handler)
    try:
        provider(ems, cancel_url="").cancel(receipt)
    finally:
        logger.removeHandler(caplog.handler)
    assert len(ems.requests) == asked and "EA123456789CN" in caplog.text
    with pytest.raises(DomainError, match="EMS撤单暂时不可用"):
        provider(ems, cancel_url=ems.url("/busy")).cancel(receipt)


def test_the_urls_must_be_http(settings):
    settings.GOVHALL_EMS_URL = ""
    with pytest.raises(ImproperlyConfigured, match="GOVHALL_EMS_URL"):
        EmsHttpProvider()
    with pytest.raises(ImproperlyConfigured, match="GOVHALL_EMS_TRACK_URL"):
        EmsHttpProvider(url="https://ems.example/waybill", track_url="file:///etc/passwd")
    settings.GOVHALL_EMS_URL, settings.GOVHALL_EMS_TRACK_URL, settings.GOVHALL_EMS_CANCEL_URL = "", "ftp://x", ""
    assert EmsHttpProvider.check_config() == [
        "GOVHALL_EMS_URL is not set",
        "GOVHALL_EMS_TRACK_URL must be an http:// or https:// URL",
    ]
    settings.GOVHALL_EMS_URL, settings.GOVHALL_EMS_TRACK_URL = "https://ems.example/waybill", ""
    assert EmsHttpProvider.check_config() == []


def test_a_deployment_enables_it_by_settings(ems, settings):
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "ems_http"]
    settings.GOVHALL_EMS_URL = ems.url("/waybill")
    settings.GOVHALL_EMS_KEY = "live-key"
    settings.GOVHALL_EMS_TRACK_URL = ems.url("/track")
    settings.GOVHALL_EMS_CANCEL_URL = ""
    chosen = services.provider_for("mail")
    assert isinstance(chosen, EmsHttpProvider)
    assert chosen.hand_over(shipment()).tracking_number == "EA123456789CN"
    assert ems.requests[-1]["key"] == "live-key"
    assert [event.status for event in chosen.track("EA123456789CN")] == ["已揽收", "运输中", "已签收"]
