"""The queue pages and who reaches them: paired devices without a login, the applicant's
ticket by its secret only, the workbench for the hall's staff, the board for its manager."""

from __future__ import annotations

import pytest
from conftest import login
from django.urls import reverse

from govhall.accounts.models import User
from govhall.core import links
from govhall.queues import services
from govhall.queues.models import Device, Source, State, Ticket
from govhall.queues.tests.helpers import hall, other_hall
from govhall.queues.views import DEVICE_COOKIE

pytestmark = pytest.mark.django_db


def _paired(client, kind):
    device, secret = services.device_pair(actor=User.objects.get(username="manager"), hall=hall(), kind=kind)
    client.cookies[DEVICE_COOKIE] = secret
    return device, secret


def test_pairing_by_code(client, demo):
    assert client.post(reverse("queues:pair"), {"code": "wrong"}).status_code == 403
    _, secret = services.device_pair(actor=User.objects.get(username="manager"), hall=hall(), kind=Device.Kind.KIOSK)
    response = client.post(reverse("queues:pair"), {"code": secret})
    assert response.status_code == 302 and response["Location"] == reverse("queues:kiosk")
    assert client.cookies[DEVICE_COOKIE].value == secret


def test_kiosk_takes_a_number_without_login(client, demo):
    assert client.get(reverse("queues:kiosk"))["Location"] == reverse("queues:pair")
    device, _ = _paired(client, Device.Kind.KIOSK)
    page = client.get(reverse("queues:kiosk"))
    assert page.status_code == 200 and "综合受理" in page.content.decode()
    taken = client.post(reverse("queues:kiosk"), {"group": "B"})
    body = taken.content.decode()
    assert taken.status_code == 200 and 'id="issued-number">B001<' in body and "<svg" in body
    assert client.post(reverse("queues:kiosk"), {"group": "Z"}).status_code == 404
    assert client.post(reverse("queues:kiosk"), {"group": "A", "id_number": "123"}).status_code == 400
    services.device_revoke(actor=User.objects.get(username="manager"), device=device)
    assert client.get(reverse("queues:kiosk"))["Location"] == reverse("queues:pair")
    # a screen's code is no kiosk
    _paired(client, Device.Kind.SCREEN)
    assert client.post(reverse("queues:kiosk"), {"group": "A"})["Location"] == reverse("queues:pair")


def test_door_qr_takes_a_number_on_a_phone_and_is_limited(client, demo):
    _, secret = services.device_pair(actor=User.objects.get(username="manager"), hall=hall(), kind=Device.Kind.DOOR)
    assert client.get(reverse("queues:door", args=["nothing"])).status_code == 404
    url = reverse("queues:door", args=[secret])
    assert client.get(url).status_code == 200
    for _ in range(5):
        response = client.post(url, {"group": "A"})
        assert response.status_code == 302 and "/queue/t/" in response["Location"]
    assert client.post(url, {"group": "A"}).status_code == 429
    assert Ticket.objects.filter(source=Source.PHONE).count() == 5


def test_ticket_page_by_secret_only(client, demo):
    ticket, secret = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    page = client.get(reverse("queues:ticket", args=[secret]))
    body = page.content.decode()
    assert page.status_code == 200 and ticket.number in body and "ticket-position" in body
    assert page["Refresh"] == "15"
    assert client.get(reverse("queues:ticket", args=[secret[:-1] + "x"])).status_code == 404
    client.post(reverse("queues:ticket", args=[secret]), {"action": "cancel"})
    ticket.refresh_from_db()
    assert ticket.state == State.CANCELLED
    assert client.post(reverse("queues:ticket", args=[secret]), {"action": "cancel"}).status_code == 409


def test_screen_and_its_state(client, demo):
    assert client.get(reverse("queues:screen"))["Location"] == reverse("queues:pair")
    assert client.get(reverse("queues:screen_state")).status_code == 403
    _paired(client, Device.Kind.SCREEN)
    services.issue(hall=hall(), group="A", source=Source.KIOSK)
    called = services.call_next(actor=User.objects.get(username="clerk"))
    page = client.get(reverse("queues:screen"))
    assert page.status_code == 200 and called.number in page.content.decode() and "screen.js" in page.content.decode()
    state = client.get(reverse("queues:screen_state")).json()
    assert state["calls"][0]["number"] == called.number and state["calls"][0]["window"] == "1"
    assert state["calls"][0]["text"] == "请A零零一号到1号窗口办理"
    assert {g["letter"]: g["waiting"] for g in state["groups"]}["A"] == 0


def test_workbench_access(client, demo):
    url = reverse("queues:workbench")
    assert client.get(url)["Location"].startswith("/accounts/login/")
    for name in ("citizen", "reviewer", "supervisor"):
        login(client, name)
        assert client.get(url).status_code == 403
    login(client, "clerk")
    assert client.get(url).status_code == 200


def test_workbench_calls_and_serves(client, demo):
    ticket, _ = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    login(client, "clerk")
    url = reverse("queues:workbench")
    client.post(url, {"action": "call_next"})
    page = client.get(url).content.decode()
    assert f'id="current-number">{ticket.number}<' in page and 'id="recall"' in page
    client.post(url, {"action": "start", "ticket": ticket.pk})
    client.post(url, {"action": "finish", "ticket": ticket.pk})
    ticket.refresh_from_db()
    assert ticket.state == State.FINISHED
    issued = client.post(url, {"action": "issue", "group": "C", "elderly": "1"})
    assert issued.status_code == 200 and 'id="issued-number">C001<' in issued.content.decode()
    assert client.post(url, {"action": "recall", "ticket": "999999"}).status_code == 404


def test_a_clerk_of_another_hall_cannot_act_here(client, demo):
    ticket, _ = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    _, _, foreign_clerk, foreign_manager = other_hall()
    for user in (foreign_clerk, foreign_manager):
        client.force_login(user)
        response = client.post(reverse("queues:workbench"), {"action": "cancel", "ticket": ticket.pk})
        assert response.status_code == 404
        assert ticket.number not in client.get(reverse("queues:workbench")).content.decode()
    ticket.refresh_from_db()
    assert ticket.state == State.WAITING


def test_board_and_devices_for_the_manager(client, demo):
    ticket, _ = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    clerk = User.objects.get(username="clerk")
    services.call_next(actor=clerk)
    services.act(actor=clerk, ticket=ticket, action="start")
    services.act(actor=clerk, ticket=ticket, action="finish")
    for name in ("clerk", "citizen", "reviewer"):
        login(client, name)
        assert client.get(reverse("queues:board")).status_code == 403
        assert client.get(reverse("queues:devices")).status_code == 403
    login(client, "manager")
    board = client.get(reverse("queues:board"))
    assert board.status_code == 200 and 'id="total-issued">1<' in board.content.decode()
    assert client.get(reverse("queues:board"), {"start": "2026-13-01", "end": "x"}).status_code == 200
    made = client.post(reverse("queues:devices"), {"action": "pair", "kind": "screen"})
    assert made.status_code == 200 and 'id="pairing-code"' in made.content.decode()
    assert client.post(reverse("queues:devices"), {"action": "pair", "kind": "toaster"}).status_code == 400
    # another hall's manager revokes nothing here
    device = Device.objects.get(kind="screen", hall=hall())
    _, _, _, foreign_manager = other_hall()
    client.force_login(foreign_manager)
    assert client.post(reverse("queues:devices"), {"action": "revoke", "device": device.pk}).status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None


def test_nav_links(demo):
    def labels(name):
        return [link.label for link in links.nav_links(User.objects.get(username=name))]

    assert "叫号" in labels("clerk") and "排队统计" not in labels("clerk")
    assert "排队统计" in labels("manager")
    assert "叫号" not in labels("citizen") and "叫号" not in labels("reviewer")


def test_link_from_the_case_page(client, demo):
    from govhall.cases.tests import factories as f

    case = f.accepted()
    login(client, "clerk")
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "关联当前叫号" not in page  # nothing served at the window yet
    assert client.post(reverse("queues:link_case", args=[case.number])).status_code == 409
    ticket, _ = services.issue(hall=hall(), group="A", source=Source.KIOSK)
    clerk = User.objects.get(username="clerk")
    services.call_next(actor=clerk)
    services.act(actor=clerk, ticket=ticket, action="start")
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "关联当前叫号" in page and reverse("queues:link_case", args=[case.number]) in page
    response = client.post(reverse("queues:link_case", args=[case.number]))
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.number])
    assert "已关联排队号 A001" in client.get(reverse("cases:detail", args=[case.number])).content.decode()
    # another applicant's view of the case has no such link, and cannot post it
    login(client, "citizen2")
    assert client.post(reverse("queues:link_case", args=[case.number])).status_code == 404


def test_the_managers_workbench_links_nowhere_closed_to_them(client, demo):
    login(client, "manager")
    page = client.get(reverse("queues:workbench")).content.decode()
    assert reverse("cases:intake") not in page  # 一窗受理 is the clerks'
    assert 'id="call-next"' not in page  # the manager has no window to call to
