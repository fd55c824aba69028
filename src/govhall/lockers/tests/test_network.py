"""A third-party locker network as a second locker channel: booked through its provider, its
pick-ups and drop-offs reported by signed callbacks, the case delivered through it; the
HTTP/JSON adapter against a real local HTTP server (no mocks)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from govhall.cases.tests import factories as f
from govhall.core.errors import DomainError
from govhall.core.tests.gateway import json_route, running
from govhall.delivery import services as delivery
from govhall.delivery.registry import registry
from govhall.lockers import services
from govhall.lockers.contrib.network import Booking, HttpLockerNetwork, LocalLockerNetwork
from govhall.lockers.models import Parcel
from govhall.lockers.tests import factories as lf
from govhall.lockers.workflow import ParcelState
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/lockers/network/events"
PROVIDERS = ["window", "ems", "electronic", "locker", "locker_network_local"]


@pytest.fixture
def network(demo, settings):
    settings.GOVHALL_DELIVERY_PROVIDERS = PROVIDERS
    return lf.network_site()


def callback(client, parcel_id: str, event: str, *, key: str | None = None, provider="locker_network_local", **kw):
    body = json.dumps({"parcel_id": parcel_id, "event": event}).encode()
    secret = key if key is not None else LocalLockerNetwork().callback_key()
    headers = lf.signed_headers(provider, secret, EVENTS, body, header="X-Locker-Network", **kw)
    return client.post(EVENTS, body, content_type="application/json", **headers)


def test_two_locker_channels_deliver_each_their_own(network, client):
    own_site, cabinets = lf.site()
    cabinet, _ = cabinets[0]
    assert [p.identifier for p in delivery.providers_for("locker")] == ["locker", "locker_network_local"]
    # the centre's own cabinet
    own = lf.issued_for_locker()
    parcel = lf.deposit(own, own_site)
    code = Notification.objects.filter(event="lockers.code").latest("id").secret
    services.code_open(cabinet=cabinet, code=code)
    own.refresh_from_db()
    assert (own.state, own.events.order_by("seq").last().data["provider"]) == ("delivered", "locker")
    # the network's point: booked, its code sent by our SMS, picked up as the network reports
    other = lf.issued_for_locker()
    parcel = lf.deposit(other, network)
    assert (parcel.cell_id, parcel.provider, parcel.status) == (None, "locker_network_local", "deposited")
    assert parcel.network_ref.startswith("QC") and parcel.reference == parcel.network_ref
    assert Notification.objects.filter(event="lockers.code", case_number=other.number).exists()
    with pytest.raises(DomainError) as exc:  # not picked up yet: nobody delivers it by hand
        f.act(other, "clerk", "deliver", delivery_mode="locker", provider="locker_network_local")
    assert exc.value.code == "locker_not_picked_up"
    response = callback(client, parcel.network_ref, "picked_up")
    assert response.status_code == 200, response.content
    assert response.json() == {"reference": parcel.network_ref, "status": "picked_up"}
    other.refresh_from_db()
    deliver = other.events.order_by("seq").last()
    assert other.state == "delivered" and other.tracking_number == parcel.network_ref
    assert (deliver.data["provider"], deliver.actor_name) == ("locker_network_local", network.name)
    # reported twice: nothing more happens
    assert callback(client, parcel.network_ref, "picked_up").json()["status"] == "picked_up"


def test_a_network_drop_off_reaches_the_hall(network, client):
    case = lf.accepted()
    issued = lf.reserve(case, network)
    assert issued.parcel.cell_id is None and issued.code  # the local network leaves the code to our SMS
    assert callback(client, issued.parcel.network_ref, "dropped_off").json()["status"] == "dropped"
    case.refresh_from_db()
    assert case.events.order_by("seq").last().action == "lockers.dropped_off"
    collected = services.dropoff_collect(case=case.number, actor=f.user("clerk"), comment="网络转运送达")
    assert collected.status == ParcelState.COLLECTED


def test_network_expiry_ends_a_reservation_and_returns_a_result(network, client):
    reserved = lf.reserve(lf.accepted(), network)
    assert callback(client, reserved.parcel.network_ref, "expired").json()["status"] == "expired"
    result = lf.deposit(lf.issued_for_locker(), network)
    assert callback(client, result.network_ref, "expired").json()["status"] == "retrieved"


def test_callbacks_are_signed_fresh_and_once(network, client):
    parcel = lf.deposit(lf.issued_for_locker(), network)
    assert callback(client, parcel.network_ref, "picked_up", key="0" * 64).json()["code"] == "signature_invalid"
    assert callback(client, parcel.network_ref, "picked_up", provider="ems").json()["code"] == "signature_invalid"
    stale = callback(client, parcel.network_ref, "picked_up", timestamp=int(timezone.now().timestamp()) - 600)
    assert (stale.status_code, stale.json()["code"]) == (401, "stale_timestamp")
    assert callback(client, "QC0", "picked_up").status_code == 404
    body = json.dumps({"parcel_id": parcel.network_ref, "event": "picked_up"}).encode()
    key = LocalLockerNetwork().callback_key()
    headers = lf.signed_headers("locker_network_local", key, EVENTS, body, header="X-Locker-Network")
    assert client.post(EVENTS, body, content_type="application/json", **headers).status_code == 200
    replay = client.post(EVENTS, body, content_type="application/json", **headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "replayed_request")


def test_a_disabled_network_is_not_offered(demo, client):
    site = lf.network_site()
    case = lf.accepted()
    with pytest.raises(DomainError) as exc:
        lf.reserve(case, site)
    assert exc.value.code == "site_not_offered"
    assert callback(client, "QC1", "picked_up").json()["code"] == "signature_invalid"


# --------------------------------------------------------------------------- the HTTP/JSON adapter

ROUTES = {
    "/book": json_route({"parcel_id": "SDY20261204000123", "code": "246813579"}),
    "/book-own-sms": json_route({"parcel_id": "SDY20261204000124"}),
    "/full": json_route({"error": "网点格口已满，联系电话13912345678"}),
    "/garbled": json_route({"parcel_id": "SDY 000/1"}),
    "/cancel": json_route({}),
    "/down": (502, b"bad gateway", "text/plain"),
}
BOOKING = Booking(
    kind="pickup",
    reference="XB0000000042",
    case_number="610104000000202612040000001",
    point="QCTG-LH-0001",
    size="S",
    recipient="张明",
    phone="13800138000",
    expires_at=datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC),
)


@pytest.fixture
def endpoint():
    with running(ROUTES) as server:
        yield server


def adapter(endpoint, path: str) -> HttpLockerNetwork:
    return HttpLockerNetwork(url=endpoint.url(path), key="net-key")


def test_the_adapter_books_and_cancels_by_the_contract(endpoint):
    booked = adapter(endpoint, "/book").book(BOOKING)
    assert (booked.network_ref, booked.code) == ("SDY20261204000123", "246813579")
    request = endpoint.requests[0]
    assert request["key"] == "net-key" and request["content_type"].startswith("application/json")
    assert request["body"] == {
        "action": "book",
        "kind": "pickup",
        "reference": "XB0000000042",
        "case_number": "610104000000202612040000001",
        "point": "QCTG-LH-0001",
        "size": "S",
        "recipient": "张明",
        "phone": "13800138000",
        "expires_at": "2026-12-07T10:00:00+00:00",
    }
    assert adapter(endpoint, "/book-own-sms").book(BOOKING).code == ""  # the network sends its own
    adapter(endpoint, "/cancel").cancel_booking("SDY20261204000123")
    assert endpoint.requests[-1]["body"] == {"action": "cancel", "parcel_id": "SDY20261204000123"}


def test_the_adapter_refused_or_unreachable(endpoint):
    with pytest.raises(DomainError) as exc:
        adapter(endpoint, "/full").book(BOOKING)
    assert (exc.value.code, exc.value.status) == ("delivery_refused", 409)
    assert "139****5678" in exc.value.message and "13912345678" not in exc.value.message
    for path in ("/down", "/garbled"):
        with pytest.raises(DomainError) as exc:
            adapter(endpoint, path).book(BOOKING)
        assert (exc.value.code, exc.value.status) == ("delivery_unavailable", 503)


def test_a_deployment_configures_the_network(endpoint, settings, demo, client):
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "locker", "locker_network"]
    settings.GOVHALL_LOCKER_NETWORK_URL = ""
    problems = HttpLockerNetwork.check_config()
    assert any("GOVHALL_LOCKER_NETWORK_URL" in p for p in problems)
    assert any("CALLBACK_KEY" in p for p in problems)
    settings.GOVHALL_LOCKER_NETWORK_URL = endpoint.url("/book")
    settings.GOVHALL_LOCKER_NETWORK_KEY = "net-key"
    settings.GOVHALL_LOCKER_NETWORK_CALLBACK_KEY = "callback-secret-of-the-network"
    assert HttpLockerNetwork.check_config() == []
    site = lf.network_site("T-SDY", provider="locker_network")
    case = lf.issued_for_locker()
    parcel = lf.deposit(case, site)
    assert parcel.network_ref == "SDY20261204000123"
    sms = Notification.objects.filter(event="lockers.code", case_number=case.number).get()
    assert sms.secret == "246813579"
    response = callback(
        client, parcel.network_ref, "picked_up", key="callback-secret-of-the-network", provider="locker_network"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.state == "delivered"
    assert registry.get("locker_network").hand_over  # still a delivery provider of the registry
    assert Parcel.objects.get(pk=parcel.pk).status == ParcelState.PICKED_UP
