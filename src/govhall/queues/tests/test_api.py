"""The queue API: devices by their secret header, the applicant by the ticket's secret, staff
by token within their own hall; errors are structured {code, message, detail}."""

from __future__ import annotations

import pytest

from govhall.accounts.models import User
from govhall.queues import services
from govhall.queues.models import Device, Source, State
from govhall.queues.tests.helpers import hall, other_hall

pytestmark = pytest.mark.django_db
BASE = "/api/v1/queue"


def _device(kind):
    return services.device_pair(actor=User.objects.get(username="manager"), hall=hall(), kind=kind)[1]


def test_kiosk_issue_and_ticket_status(client, demo):
    secret = _device(Device.Kind.KIOSK)
    refused = client.post(f"{BASE}/kiosk/tickets", {"group": "A"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "device_unpaired"
    screen = _device(Device.Kind.SCREEN)
    wrong_kind = client.post(
        f"{BASE}/kiosk/tickets", {"group": "A"}, content_type="application/json", HTTP_X_DEVICE_SECRET=screen
    )
    assert wrong_kind.status_code == 403
    made = client.post(
        f"{BASE}/kiosk/tickets",
        {"group": "A", "elderly": True},
        content_type="application/json",
        HTTP_X_DEVICE_SECRET=secret,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["ticket"]["number"] == "A001" and body["ticket"]["priority"] == "elderly"
    status = client.get(f"{BASE}/tickets/{body['secret']}").json()
    assert status["position"] == 1 and status["wait_minutes"] == 8 and status["state"] == "waiting"
    missing = client.get(f"{BASE}/tickets/{body['secret']}x")
    assert missing.status_code == 404 and missing.json()["code"] == "ticket_not_found"
    for bad, code in (
        ({"group": "Q"}, "group_not_found"),
        ({}, "group_missing"),
        ({"group": "A", "id_number": "110"}, "invalid_id_number"),
    ):
        answer = client.post(f"{BASE}/kiosk/tickets", bad, content_type="application/json", HTTP_X_DEVICE_SECRET=secret)
        assert answer.json()["code"] == code and answer.status_code in (400, 404)
    cancelled = client.post(f"{BASE}/tickets/{body['secret']}/cancel")
    assert cancelled.json()["state"] == "cancelled"
    assert client.post(f"{BASE}/tickets/{body['secret']}/cancel").json()["code"] == "invalid_state"


def test_clerk_calls_and_acts(client, demo, bearer):
    ticket, _ = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    headers = bearer("clerk")
    auth = {"HTTP_AUTHORIZATION": headers["Authorization"]}
    assert client.post(f"{BASE}/window/call-next").status_code == 401
    called = client.post(f"{BASE}/window/call-next", **auth)
    assert called.status_code == 200 and called.json()["number"] == ticket.number and called.json()["window"] == "1"
    busy = client.post(f"{BASE}/window/call-next", **auth)
    assert busy.status_code == 409 and busy.json()["code"] == "window_busy"
    window = client.get(f"{BASE}/window", **auth).json()
    assert window["current"]["number"] == ticket.number and window["group"] == "A"
    for action in ("start", "finish"):
        done = client.post(
            f"{BASE}/window/tickets/{ticket.pk}/actions", {"action": action}, content_type="application/json", **auth
        )
        assert done.status_code == 200, done.content
    assert done.json()["state"] == State.FINISHED
    bad = client.post(
        f"{BASE}/window/tickets/{ticket.pk}/actions", {"action": "fly"}, content_type="application/json", **auth
    )
    assert bad.status_code == 422
    assert client.post(f"{BASE}/window/call-next", **auth).status_code == 204
    made = client.post(f"{BASE}/tickets", {"group": "D"}, content_type="application/json", **auth)
    assert made.status_code == 201 and made.json()["ticket"]["number"] == "D001"


def test_who_may_not(client, demo, bearer):
    ticket, _ = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    for name in ("citizen", "reviewer"):
        auth = {"HTTP_AUTHORIZATION": bearer(name)["Authorization"]}
        answer = client.post(f"{BASE}/window/call-next", **auth)
        assert answer.status_code == 403 and answer.json()["code"] == "not_clerk"
        assert (
            client.post(f"{BASE}/tickets", {"group": "A"}, content_type="application/json", **auth).status_code == 403
        )
    _, _, foreign_clerk, _ = other_hall()
    client.force_login(foreign_clerk)
    answer = client.post(
        f"{BASE}/window/tickets/{ticket.pk}/actions", {"action": "cancel"}, content_type="application/json"
    )
    assert answer.status_code == 404 and answer.json()["code"] == "ticket_not_found"
    # the foreign clerk's call-next calls in their own hall only
    assert client.post(f"{BASE}/window/call-next").status_code == 204
    ticket.refresh_from_db()
    assert ticket.state == State.WAITING


def test_screen_state(client, demo):
    assert client.get(f"{BASE}/screen").status_code == 403
    secret = _device(Device.Kind.SCREEN)
    services.issue(hall=hall(), group="C", source=Source.KIOSK)
    state = client.get(f"{BASE}/screen", HTTP_X_DEVICE_SECRET=secret).json()
    assert {g["letter"]: g["waiting"] for g in state["groups"]}["C"] == 1 and state["calls"] == []


def test_link_case_and_evaluation_by_api(client, demo, bearer):
    from govhall.cases.tests import factories as f
    from govhall.evaluations.tests import helpers as eh

    auth = {"HTTP_AUTHORIZATION": bearer("clerk")["Authorization"]}
    case = f.accepted()
    nothing = client.post(f"{BASE}/window/cases", {"case_number": case.number}, content_type="application/json", **auth)
    assert nothing.status_code == 409 and nothing.json()["code"] == "no_current_ticket"
    ticket, _ = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    client.post(f"{BASE}/window/call-next", **auth)
    client.post(
        f"{BASE}/window/tickets/{ticket.pk}/actions", {"action": "start"}, content_type="application/json", **auth
    )
    linked = client.post(f"{BASE}/window/cases", {"case_number": case.number}, content_type="application/json", **auth)
    assert linked.status_code == 200 and linked.json() == {"ticket": ticket.number, "case_number": case.number}
    no_screen = client.post(
        f"{BASE}/window/evaluation", {"ticket_id": ticket.pk}, content_type="application/json", **auth
    )
    assert no_screen.status_code == 409 and no_screen.json()["code"] == "no_evaluator"
    eh.paired_window("1")
    shown = client.post(f"{BASE}/window/evaluation", {"ticket_id": ticket.pk}, content_type="application/json", **auth)
    assert shown.status_code == 200 and shown.json() == {"window": "1", "case_number": case.number}
