"""The pages: 我的预约, choosing an item, triage then slot then booking, the confirmation with
the code, move and cancel; the staff's day list (with check-in) and phone booking. Who may open
what (someone else's appointment is a 404), bad input, elder mode and the menu link."""

from __future__ import annotations

import datetime

import pytest
from conftest import login
from django.utils import timezone

from govhall.appointments import selectors
from govhall.appointments.models import Appointment
from govhall.appointments.tests import helpers as h
from govhall.core import links

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(demo):
    return h.schedule(capacity=3, online=2, ahead=14)


def first_free(schedule):
    today = timezone.localdate()
    return next(s for s in selectors.open_slots(schedule, today, today + datetime.timedelta(days=14)) if s.remaining)


def test_everything_needs_a_login(client, setup):
    for url in [
        "/appointments/",
        "/appointments/new/",
        f"/appointments/new/{h.hall().pk}/{h.FOOD}/",
        "/appointments/day/",
    ]:
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_book_through_the_pages(client, setup):
    login(client, "citizen")
    page = client.get("/appointments/new/").content.decode()
    url = f"/appointments/new/{h.hall().pk}/{h.FOOD}/"
    assert url in page and "A区" in page
    triage = client.get(url).content.decode()
    assert "no-show-block" not in triage
    assert "办事须知" in triage and "请携带的材料" in triage and "是否选择告知承诺方式办理" in triage
    # time before answering the questions: sent back to them
    r = client.get(url, {"step": "time"})
    assert r.status_code == 400 and "请先回答" in r.content.decode()
    item = selectors.triage(h.FOOD, {}).item
    answers = {f"s{s.id}": str(s.options.all()[0].id) for s in item.situations.all()}
    r = client.get(url, {**answers, "step": "time"})
    assert r.status_code == 200 and 'name="slot"' in r.content.decode()
    for bad in ("", "2026-12-07T25:00:00+08:00", "soon"):
        r = client.post(url, {**answers, "step": "time", "slot": bad})
        assert r.status_code == 400 and "请选择一个时段" in r.content.decode()
    r = client.post(url, {**answers, "step": "time", "slot": "2026-10-01T09:00:00+08:00"})
    assert r.status_code == 400 and "不是可预约的时段" in r.content.decode()
    slot = first_free(setup)
    r = client.post(url, {**answers, "step": "time", "slot": slot.start.isoformat()})
    assert r.status_code == 302, r.content.decode()[:2000]
    a = Appointment.objects.get(user__username="citizen")
    page = client.get(r["Location"]).content.decode()
    assert f"{a.code[:4]} {a.code[4:]}" in page and "取消预约" in page and "改约" in page
    assert a.code in client.get("/appointments/").content.decode()


def test_full_online_items_offer_the_online_application(client, setup):
    login(client, "citizen")
    online = next(i for i, _ in selectors.bookable_items(h.hall()) if i.online_depth == "full_online")
    page = client.get(f"/appointments/new/{h.hall().pk}/{online.code}/").content.decode()
    assert "此事项可全程网上办理" in page and f"/cases/apply/{online.code}/" in page


def test_move_and_cancel_pages(client, setup):
    login(client, "citizen")
    slot = first_free(setup)
    a = h.book(h.user("citizen"), slot.start, now=timezone.now())
    page = client.get(f"/appointments/{a.pk}/move/").content.decode()
    assert "选择新的时段" in page and f'value="{slot.start.isoformat()}"' not in page
    other = next(
        s
        for s in selectors.open_slots(setup, slot.date, slot.date + datetime.timedelta(days=14))
        if s.start != slot.start
    )
    r = client.post(f"/appointments/{a.pk}/move/", {"slot": other.start.isoformat()})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.slot_start == other.start and a.moves == 1
    r = client.post(f"/appointments/{a.pk}/cancel/")
    assert r.status_code == 302
    assert Appointment.objects.get(pk=a.pk).status == "cancelled"
    assert "已取消" in client.get(f"/appointments/{a.pk}/").content.decode()


def test_someone_elses_appointment_is_not_found(client, setup):
    a = h.book(h.user("citizen"), first_free(setup).start, now=timezone.now())
    for username in ("citizen2", "company", "reviewer", "assistant"):
        client.force_login(h.user(username))
        assert client.get(f"/appointments/{a.pk}/").status_code == 404
        assert client.get(f"/appointments/{a.pk}/move/").status_code == 404
        assert client.post(f"/appointments/{a.pk}/cancel/").status_code == 404
        assert a.code not in client.get("/appointments/").content.decode()
    assert Appointment.objects.get(pk=a.pk).status == "booked"
    # the hall's clerk sees it, masked and without the code
    login(client, "clerk")
    page = client.get(f"/appointments/{a.pk}/").content.decode()
    assert a.code not in page and "张*" in page and "张明" not in page


def test_unknown_hall_or_item_is_a_404(client, setup):
    login(client, "citizen")
    assert client.get(f"/appointments/new/999999/{h.FOOD}/").status_code == 404
    assert client.get(f"/appointments/new/{2**70}/{h.FOOD}/").status_code == 404
    assert client.get(f"/appointments/{2**70}/").status_code == 404
    assert client.get(f"/appointments/new/{h.hall().pk}/nope/").status_code == 404
    assert client.get("/appointments/new/", {"hall": "999999"}).status_code == 404
    not_served = h.schedule()
    not_served.allowed_item_codes = [h.COMPANY]
    not_served.save()
    assert client.get(f"/appointments/new/{h.hall().pk}/{h.FOOD}/").status_code == 404


def test_staff_day_list_check_in_and_phone_booking(client, setup):
    slot = first_free(setup)
    a = h.book(h.user("citizen"), slot.start, now=timezone.now())
    for username in ("citizen", "reviewer", "supervisor", "assistant"):
        client.force_login(h.user(username))
        assert client.get("/appointments/day/").status_code == 403
        assert client.get("/appointments/phone/").status_code == 403
    login(client, "clerk")
    page = client.get("/appointments/day/", {"date": slot.date.isoformat()}).content.decode()
    assert "食品经营许可" in page and "张*" in page and a.code not in page
    assert client.get("/appointments/day/", {"date": "not-a-date"}).status_code == 200  # today instead
    assert client.get("/appointments/day/", {"date": "2026-02-30"}).status_code == 200
    r = client.post("/appointments/day/", {"code": "12345678"})
    assert r.status_code == 302
    assert "未找到" in client.get(r["Location"]).content.decode()
    # phone booking
    page = client.get("/appointments/phone/", {"item": h.FOOD}).content.decode()
    assert "来电人" in page and 'name="slot"' in page
    r = client.post(
        "/appointments/phone/",
        {
            "item": h.FOOD,
            "id_number": h.id_number(555),
            "name": "来电人",
            "phone": "13912345000",
            "slot": slot.start.isoformat(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:1500]
    assert Appointment.objects.get(applicant__name="来电人").channel == "phone"
    r = client.post("/appointments/phone/", {"item": h.FOOD, "id_number": "123", "slot": slot.start.isoformat()})
    assert r.status_code == 400


def test_menu_links(setup):
    assert [x.label for x in links.nav_links(h.user("citizen"))].count("我的预约") == 1
    assert "今日预约" in [x.label for x in links.nav_links(h.user("clerk"))]
    assert not {"我的预约", "今日预约"} & {x.label for x in links.nav_links(h.user("reviewer"))}


def test_the_guide_offers_预约办理_where_a_hall_takes_appointments_for_the_item(client, setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from govhall.appointments.models import Schedule

    url = f"/appointments/new/{h.hall().pk}/{h.FOOD}/"
    page = client.get(f"/items/{h.FOOD}/").content.decode()  # the guide is public
    assert "预约办理" in page and url in page
    login(client, "citizen")
    assert url in client.get(f"/items/{h.FOOD}/").content.decode()
    # an item the schedule does not allow: no link
    Schedule.objects.filter(pk=setup.pk).update(allowed_item_codes=[h.COMPANY], requires_appointment=True)
    assert "预约办理" not in client.get(f"/items/{h.FOOD}/").content.decode()
    page = client.get(f"/items/{h.COMPANY}/").content.decode()
    assert f"/appointments/new/{h.hall().pk}/{h.COMPANY}/" in page and "本事项须预约" in page
    # staff book for callers from 今日预约, not from the guide
    assert not links.item_links(selectors.triage(h.COMPANY, {}).item, h.user("clerk"))
    # no schedule anywhere: no link, and one query to learn it
    Schedule.objects.update(active=False)
    item, citizen = selectors.triage(h.COMPANY, {}).item, h.user("citizen")
    links.item_links(item, citizen)  # the citizen's staff profile (none) is read once per user
    with CaptureQueriesContext(connection) as queries:
        assert not links.item_links(item, citizen)
    assert len(queries) == 1, [q["sql"][:90] for q in queries.captured_queries]


def test_pages_in_elder_mode(client, setup):
    login(client, "citizen")
    client.cookies["govhall_mode"] = "elder"
    page = client.get(f"/appointments/new/{h.hall().pk}/{h.FOOD}/").content.decode()
    assert 'class="elder"' in page and "appointments.css" in page


def test_admin_edits_schedules_and_only_reads_appointments(client, setup):
    a = h.book(h.user("citizen"), first_free(setup).start, now=timezone.now())
    login(client, "admin")
    assert client.get("/admin/appointments/schedule/").status_code == 200
    page = client.get(f"/admin/appointments/schedule/{setup.pk}/change/").content.decode()
    assert "开放时间" in page and "其中网上可约人数" in page
    listed = client.get("/admin/appointments/appointment/").content.decode()
    assert "食品经营许可" in listed and a.code not in listed and "138****8000" in listed
    assert client.get("/admin/appointments/appointment/add/").status_code == 403
    login(client, "citizen")
    assert client.get("/admin/appointments/schedule/").status_code == 302  # to the admin's login


def test_schedule_validation():
    from django.core.exceptions import ValidationError

    from govhall.appointments.models import Schedule, ScheduleDay

    with pytest.raises(ValidationError):
        Schedule(capacity=2, online_capacity=3, allowed_item_codes=[]).clean()
    with pytest.raises(ValidationError):
        Schedule(capacity=2, online_capacity=1, allowed_item_codes="x").clean()
    with pytest.raises(ValidationError):
        ScheduleDay(weekday=0, morning_start=datetime.time(12), morning_end=datetime.time(9)).clean()
    with pytest.raises(ValidationError):
        ScheduleDay(weekday=0, morning_start=datetime.time(9)).clean()


def test_repeated_no_shows_are_explained_on_the_pages(client, setup):
    from govhall.appointments import services

    user, _ = h.person()
    for i, day in enumerate([datetime.date(2026, 11, 2), datetime.date(2026, 11, 9), datetime.date(2026, 11, 16)]):
        h.book(user, h.at(day, 9), now=h.at(day, 8), item=[c for c, _ in _bookable()][i])
        services.no_show_sweep(now=h.at(day, 12))
    client.force_login(user)
    page = client.get("/appointments/").content.decode()
    assert 'id="no-show-block"' in page and "2026年12月16日前不能在网上预约" in page
    url = f"/appointments/new/{h.hall().pk}/{h.FOOD}/"
    assert 'id="no-show-block"' in client.get(url).content.decode()
    item = selectors.triage(h.FOOD, {}).item
    answers = {f"s{s.id}": str(s.options.all()[0].id) for s in item.situations.all()}
    r = client.post(url, {**answers, "step": "time", "slot": first_free(setup).start.isoformat()})
    assert r.status_code == 403 and "爽约" in r.content.decode()


def _bookable():
    return [(i.code, s) for i, s in selectors.bookable_items(h.hall())]
