"""The JSON API: reading halls, items, triage and slots; booking, my appointments, move and
cancel; the staff's phone booking, day list and check-in; structured errors; and who may see
and change what (another applicant gets 404, never the appointment)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhall.appointments import selectors
from govhall.appointments.models import Appointment
from govhall.appointments.tests import helpers as h

pytestmark = pytest.mark.django_db

API = "/api/v1/appointments"


def post(client, url, headers, data=None):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def free_slots(schedule, n=2):
    today = timezone.localdate()
    found = [s for s in selectors.open_slots(schedule, today, today + datetime.timedelta(days=14)) if s.remaining]
    assert len(found) >= n
    return found


@pytest.fixture
def setup(demo):
    return h.schedule(capacity=3, online=2, ahead=14)


def test_read_halls_items_triage_and_slots(client, bearer, setup):
    citizen = bearer("citizen")
    halls = client.get(f"{API}/halls", headers=citizen).json()
    hall = h.hall()
    assert [x["id"] for x in halls] == [hall.pk]
    items = client.get(f"{API}/halls/{hall.pk}/items", headers=citizen).json()
    food = next(i for i in items if i["code"] == h.FOOD)
    assert food["window_group"].startswith("A ") and food["full_online"] is False
    r = client.get(f"{API}/triage", {"hall": hall.pk, "item_code": h.FOOD}, headers=citizen)
    body = r.json()
    assert r.status_code == 200 and body["bookable"] and not body["complete"]
    question = next(s for s in body["situations"] if s["question"].startswith("是否选择告知承诺"))
    yes = next(o for o in question["options"] if o["label"] == "是")
    answered = client.get(
        f"{API}/triage", {"hall": hall.pk, "item_code": h.FOOD, f"s{question['id']}": yes["id"]}, headers=citizen
    ).json()
    assert len(answered["materials"]) == len(body["materials"]) + 1
    r = client.get(f"{API}/slots", {"hall": hall.pk, "item_code": h.FOOD}, headers=citizen)
    days = r.json()["days"]
    assert r.status_code == 200 and days and all(s["capacity"] == 2 for d in days for s in d["slots"])
    staff = client.get(f"{API}/slots", {"hall": hall.pk, "item_code": h.FOOD}, headers=bearer("clerk")).json()
    assert all(s["capacity"] == 3 for d in staff["days"] for s in d["slots"])


def test_bad_input_gets_clear_errors(client, bearer, setup):
    citizen = bearer("citizen")
    hall = h.hall().pk
    cases = [
        (client.get(f"{API}/slots", {"hall": 999999, "item_code": h.FOOD}, headers=citizen), 404, "hall_not_found"),
        (client.get(f"{API}/slots", {"hall": hall, "item_code": "nope"}, headers=citizen), 404, "item_not_found"),
        (
            client.get(
                f"{API}/slots",
                {"hall": hall, "item_code": h.FOOD, "date_from": "2026-12-10", "date_to": "2026-12-01"},
                headers=citizen,
            ),
            400,
            "invalid_range",
        ),
        (
            client.get(
                f"{API}/slots",
                {"hall": hall, "item_code": h.FOOD, "date_from": "2026-01-01", "date_to": "2026-12-01"},
                headers=citizen,
            ),
            400,
            "invalid_range",
        ),
        (
            client.get(f"{API}/slots", {"hall": hall, "item_code": h.FOOD, "date_from": "x"}, headers=citizen),
            422,
            "validation_error",
        ),
        (
            post(client, API, citizen, {"hall": hall, "item_code": h.FOOD, "slot_start": "soon"}),
            422,
            "validation_error",
        ),
        (
            post(client, API, citizen, {"hall": hall, "item_code": h.FOOD, "slot_start": "2026-10-01T09:00:00+08:00"}),
            400,
            "not_a_slot",
        ),
        (client.get(f"{API}/mine", {"status": "weird"}, headers=citizen), 400, "invalid_status"),
        (client.get(f"{API}/999999", headers=citizen), 404, "not_found"),
        (client.get(f"{API}/{2**70}", headers=citizen), 404, "not_found"),
        (client.get(f"{API}/slots", {"hall": 2**70, "item_code": h.FOOD}, headers=citizen), 404, "hall_not_found"),
        (
            post(client, API, citizen, {"hall": -1, "item_code": h.FOOD, "slot_start": "2026-12-07T09:00:00+08:00"}),
            404,
            "hall_not_found",
        ),
        (client.get(f"{API}/mine"), 401, "unauthenticated"),
    ]
    for r, status, code in cases:
        assert (r.status_code, r.json()["code"]) == (status, code), r.content
        assert r.json()["message"]


def test_book_list_move_cancel(client, bearer, setup):
    citizen = bearer("citizen")
    first, second = free_slots(setup)[:2]
    r = post(client, API, citizen, {"hall": h.hall().pk, "item_code": h.FOOD, "slot_start": first.start.isoformat()})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "booked" and len(body["code"]) == 8 and body["applicant"] == "张明"
    again = post(
        client, API, citizen, {"hall": h.hall().pk, "item_code": h.FOOD, "slot_start": second.start.isoformat()}
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_booked")
    mine = client.get(f"{API}/mine", headers=citizen).json()
    assert [a["id"] for a in mine] == [body["id"]]
    moved = post(client, f"{API}/{body['id']}/move", citizen, {"slot_start": second.start.isoformat()})
    assert moved.status_code == 200 and moved.json()["moves"] == 1, moved.content
    cancelled = post(client, f"{API}/{body['id']}/cancel", citizen)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = post(client, f"{API}/{body['id']}/cancel", citizen)
    assert (again.status_code, again.json()["code"]) == (409, "not_live")


def test_another_applicant_never_sees_or_changes_it(client, bearer, setup):
    slot = free_slots(setup)[0]
    a = h.book(h.user("citizen"), slot.start, now=timezone.now())
    for username in ("citizen2", "company", "reviewer", "assistant"):
        headers = bearer(username)
        assert client.get(f"{API}/{a.pk}", headers=headers).status_code == 404
        assert post(client, f"{API}/{a.pk}/cancel", headers).status_code == 404
        assert post(client, f"{API}/{a.pk}/move", headers, {"slot_start": slot.start.isoformat()}).status_code == 404
        assert a.pk not in [x["id"] for x in client.get(f"{API}/mine", headers=headers).json()]
    assert Appointment.objects.get(pk=a.pk).status == "booked"
    # the hall's staff see it without the code and with the name masked; a supervisor may not cancel
    seen = client.get(f"{API}/{a.pk}", headers=bearer("clerk")).json()
    assert seen["code"] is None and seen["applicant"] == "张*"
    r = post(client, f"{API}/{a.pk}/cancel", bearer("supervisor"))
    assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")


def test_staff_book_by_phone_day_list_and_check_in(client, bearer, setup):
    clerk = bearer("clerk")
    slot = free_slots(setup)[0]
    body = {
        "hall": h.hall().pk,
        "item_code": h.FOOD,
        "slot_start": slot.start.isoformat(),
        "caller": {"id_number": h.id_number(777), "name": "来电人", "phone": "13912340000"},
    }
    r = post(client, f"{API}/staff", clerk, body)
    assert r.status_code == 201, r.content
    assert r.json()["channel"] == "phone" and r.json()["code"] is None
    r = post(client, f"{API}/staff", bearer("citizen"), body)
    assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
    missing = {**body, "caller": {"id_number": h.id_number(778)}}
    r = post(client, f"{API}/staff", clerk, missing)
    assert (r.status_code, r.json()["code"]) == (400, "missing_field")
    day = client.get(f"{API}/day", {"date": slot.date.isoformat()}, headers=clerk).json()
    assert day["counts"]["booked"] == 1 and day["appointments"][0]["applicant"] == "来*人"
    for username in ("citizen", "reviewer", "supervisor"):
        r = client.get(f"{API}/day", {"hall": h.hall().pk}, headers=bearer(username))
        assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
    appointment = Appointment.objects.get(applicant__name="来电人")
    # The check-in window itself is tested with a given clock (test_check_in); here the
    # wall clock runs, so the row is put in a slot starting now to test the API's wiring.
    now = timezone.now()
    Appointment.objects.filter(pk=appointment.pk).update(
        date=timezone.localdate(), slot_start=now, slot_end=now + datetime.timedelta(minutes=30)
    )
    url = f"{API}/check-in"
    r = post(client, url, bearer("citizen"), {"hall": h.hall().pk, "code": appointment.code})
    assert (r.status_code, r.json()["code"]) == (404, "appointment_not_found")  # not theirs
    r = post(client, url, bearer("reviewer"), {"hall": h.hall().pk, "code": appointment.code})
    assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
    r = post(client, url, clerk, {"hall": h.hall().pk, "code": appointment.code})
    assert r.status_code == 200 and r.json()["status"] == "arrived", r.content
    assert post(client, url, clerk, {"hall": h.hall().pk, "code": appointment.code}).json()["status"] == "arrived"
    wrong = f"{(int(appointment.code) + 1) % 10**8:08d}"
    r = post(client, url, clerk, {"hall": h.hall().pk, "code": wrong})
    assert (r.status_code, r.json()["code"]) == (404, "appointment_not_found")
    r = post(client, url, clerk, {"hall": h.hall().pk, "code": "abc"})
    assert (r.status_code, r.json()["code"]) == (400, "invalid_code")
