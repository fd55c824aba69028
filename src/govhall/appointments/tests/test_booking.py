"""Booking, moving and cancelling through the services: capacity (online and kept-back places),
the rules of a slot, one live appointment per item, triage, cut-offs, notifications."""

from __future__ import annotations

import datetime

import pytest

from govhall.appointments import selectors, services
from govhall.appointments.models import Appointment, SlotCounter
from govhall.appointments.tests import helpers as h
from govhall.catalog.models import ServiceItem
from govhall.core.errors import DomainError
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db

NINE = h.at(h.MONDAY, 9)
EVE = h.at(h.MONDAY - datetime.timedelta(days=3), 10)  # the Friday before


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, (caught.value.code, caught.value.message)
    return caught.value


def counter(schedule, start) -> int:
    found = SlotCounter.objects.filter(schedule=schedule, date=start.date(), start=start.timetz().replace(tzinfo=None))
    return found.values_list("booked", flat=True).first() or 0


def test_book_online_gives_a_code_materials_and_a_notification(demo):
    schedule = h.schedule()
    citizen = h.user("citizen")
    item = selectors.triage(h.FOOD, {})
    question = item.item.situations.get(question__startswith="是否选择告知承诺")
    yes = question.options.get(label="是")
    a = h.book(citizen, NINE, now=EVE, answers={f"s{question.id}": str(yes.id)})
    assert a.status == "booked" and a.channel == "online" and a.user == citizen
    assert a.code.isdigit() and len(a.code) == 8
    assert (a.slot_start, a.slot_end, a.date) == (NINE, h.at(h.MONDAY, 9, 30), h.MONDAY)
    assert a.window_group.letter == "A" and a.schedule == schedule
    assert "食品经营许可告知承诺书" in a.materials
    assert a.answers == {str(question.id): yes.id}
    assert counter(schedule, NINE) == 1
    sms = Notification.objects.get(event="appointment_booked", channel="sms")
    assert a.code in sms.text and sms.phone == citizen.phone and "11月16日" in sms.text
    assert Notification.objects.filter(event="appointment_booked", channel="site", recipient=citizen).exists()


def test_online_booking_stops_at_the_online_places_staff_use_the_rest(demo):
    schedule = h.schedule(capacity=3, online=2)
    for _ in range(2):
        h.book(h.person()[0], NINE, now=EVE)
    refused("slot_full", h.book, h.person()[0], NINE, now=EVE)
    caller = services.Caller(id_number=h.id_number(901), name="电话人", phone="13912345678")
    by_phone = h.book(h.user("clerk"), NINE, now=EVE, caller=caller)
    assert by_phone.channel == "phone" and by_phone.user.username == "clerk"
    assert by_phone.applicant.name == "电话人" and by_phone.phone == "13912345678"
    assert Notification.objects.filter(event="appointment_booked", phone="13912345678", channel="sms").exists()
    caller2 = services.Caller(id_number=h.id_number(902), name="电话人二", phone="13912345679")
    refused("slot_full", h.book, h.user("clerk"), NINE, now=EVE, caller=caller2)
    assert counter(schedule, NINE) == 3


def test_phone_booking_is_for_the_halls_staff_only(demo):
    h.schedule()
    caller = services.Caller(id_number=h.id_number(903), name="电话人", phone="13912345678")
    for username in ("citizen", "reviewer", "supervisor", "assistant"):
        refused("role_not_allowed", h.book, h.user(username), NINE, now=EVE, caller=caller)
    assert h.book(h.user("manager"), NINE, now=EVE, caller=caller).channel == "phone"


def test_a_slot_must_be_one_of_the_schedule_in_the_booking_window(demo):
    h.schedule(ahead=7)
    citizen = h.user("citizen")
    refused("not_a_slot", h.book, citizen, h.at(h.MONDAY, 9, 10), now=EVE)  # not a slot start
    refused("not_a_slot", h.book, citizen, h.at(h.MONDAY, 12, 0), now=EVE)  # lunch
    refused("not_a_slot", h.book, citizen, h.at(datetime.date(2026, 10, 2), 9), now=h.at(datetime.date(2026, 9, 30), 9))
    refused("slot_too_soon", h.book, citizen, NINE, now=h.at(h.MONDAY, 8, 45))
    refused("slot_too_far", h.book, citizen, h.at(h.MONDAY + datetime.timedelta(days=14), 9), now=EVE)
    # a 调休 Sunday is bookable
    sunday = h.at(datetime.date(2026, 9, 20), 9)
    assert h.book(citizen, sunday, now=h.at(datetime.date(2026, 9, 18), 9)).date == datetime.date(2026, 9, 20)


def test_items_outside_the_schedules_are_not_bookable(demo):
    h.schedule()  # group A only
    refused("not_bookable", h.book, h.user("citizen"), NINE, now=EVE, item=_item_of("lh-sw"))
    refused("item_not_found", h.book, h.user("citizen"), NINE, now=EVE, item="no-such-item")
    schedule = h.schedule()
    schedule.allowed_item_codes = [h.COMPANY]
    schedule.save()
    refused("not_bookable", h.book, h.user("citizen"), NINE, now=EVE)


def _item_of(department: str) -> str:
    return ServiceItem.objects.filter(status="published", department__code=department).values_list("code", flat=True)[0]


def test_an_item_schedule_of_its_own_takes_precedence(demo):
    group = h.schedule(capacity=5)
    own = h.schedule(capacity=1, item_code=h.FOOD, requires_appointment=True)
    a = h.book(h.user("citizen"), NINE, now=EVE)
    assert a.schedule == own and counter(own, NINE) == 1 and counter(group, NINE) == 0
    refused("slot_full", h.book, h.user("citizen2"), NINE, now=EVE)
    items = dict((i.code, s) for i, s in selectors.bookable_items(h.hall()))
    assert items[h.FOOD] == own and items[h.COMPANY] == group


def test_one_live_appointment_per_item_and_a_limit_on_live_ones(demo):
    h.schedule()
    citizen = h.user("citizen")
    h.book(citizen, NINE, now=EVE)
    refused("already_booked", h.book, citizen, h.at(h.MONDAY, 10), now=EVE)
    for code in _other_items(2):
        h.book(citizen, h.at(h.MONDAY, 10), now=EVE, item=code)
    refused("too_many_live", h.book, citizen, h.at(h.MONDAY, 11), now=EVE, item=_other_items(3)[2])


def _other_items(n: int) -> list[str]:
    found = [i.code for i, _ in selectors.bookable_items(h.hall()) if i.code != h.FOOD]
    return found[:n]


def test_a_legal_person_is_booked_by_its_operator_and_only_by_them(demo):
    h.schedule()
    operator = h.user("company")
    company = next(a for a in selectors.scope.represented(operator) if a.kind == "legal")
    a = h.book(operator, NINE, now=EVE, item=h.COMPANY, applicant_id=company.pk)
    assert a.applicant == company
    refused("applicant_not_found", h.book, h.user("citizen"), h.at(h.MONDAY, 10), now=EVE, applicant_id=company.pk)


def test_move_takes_the_new_place_frees_the_old_and_keeps_the_code(demo):
    schedule = h.schedule(capacity=1)
    citizen = h.user("citizen")
    a = h.book(citizen, NINE, now=EVE)
    ten = h.at(h.MONDAY, 10)
    h.book(h.user("citizen2"), ten, now=EVE)
    refused("slot_full", services.appointment_move, appointment=a, actor=citizen, slot_start=ten, now=EVE)
    eleven = h.at(h.MONDAY, 11)
    moved = services.appointment_move(appointment=a, actor=citizen, slot_start=eleven, now=EVE)
    assert (moved.slot_start, moved.moves, moved.code) == (eleven, 1, a.code)
    assert counter(schedule, NINE) == 0 and counter(schedule, eleven) == 1
    refused("same_slot", services.appointment_move, appointment=moved, actor=citizen, slot_start=eleven, now=EVE)
    # to another day
    tuesday = h.at(h.MONDAY + datetime.timedelta(days=1), 9)
    moved = services.appointment_move(appointment=moved, actor=citizen, slot_start=tuesday, now=EVE)
    assert moved.date == tuesday.date() and counter(schedule, eleven) == 0
    assert Notification.objects.filter(event="appointment_moved", channel="sms").count() == 2


def test_cancel_frees_the_place_and_is_refused_after_the_cutoff(demo):
    schedule = h.schedule(capacity=1)
    citizen = h.user("citizen")
    a = h.book(citizen, NINE, now=EVE)
    refused("past_cutoff", services.appointment_cancel, appointment=a, actor=citizen, now=h.at(h.MONDAY, 8, 15))
    refused(
        "past_cutoff",
        services.appointment_move,
        appointment=a,
        actor=citizen,
        slot_start=h.at(h.MONDAY, 14),
        now=h.at(h.MONDAY, 8, 1),
    )
    done = services.appointment_cancel(appointment=a, actor=citizen, now=h.at(h.MONDAY, 7, 59))
    assert done.status == "cancelled" and done.cancelled_by == citizen and counter(schedule, NINE) == 0
    refused("not_live", services.appointment_cancel, appointment=done, actor=citizen, now=EVE)
    # the place is free again, and the item may be booked again
    assert h.book(citizen, NINE, now=EVE).status == "booked"


def test_the_halls_staff_cancel_after_the_cutoff_but_not_after_the_start(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    refused("past_cutoff", services.appointment_cancel, appointment=a, actor=h.user("clerk"), now=h.at(h.MONDAY, 9, 5))
    assert (
        services.appointment_cancel(appointment=a, actor=h.user("clerk"), now=h.at(h.MONDAY, 8, 30)).status
        == "cancelled"
    )


def test_others_can_neither_move_nor_cancel(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    for username in ("citizen2", "company", "reviewer", "assistant"):
        refused("not_found", services.appointment_cancel, appointment=a, actor=h.user(username), now=EVE)
    # a supervisor of the region sees it but may not change it
    refused("role_not_allowed", services.appointment_cancel, appointment=a, actor=h.user("supervisor"), now=EVE)
    assert Appointment.objects.get(pk=a.pk).status == "booked"


def test_triage_lists_materials_for_the_answers_and_the_online_alternative(demo):
    found = selectors.triage(h.FOOD, {})
    assert not found.complete and not found.online and found.online_url == ""
    base = set(found.material_names())
    question = found.item.situations.get(question__startswith="是否选择告知承诺")
    yes = question.options.get(label="是")
    answered = selectors.triage(h.FOOD, {f"s{question.id}": str(yes.id)})
    assert answered.answers == {question.id: yes.id}
    added = set(answered.material_names()) - base
    assert any(name.startswith("食品经营许可告知承诺书") for name in added)
    assert selectors.triage(h.FOOD, {f"s{question.id}": "999999"}).answers == {}  # not an option: ignored
    online = ServiceItem.objects.get(status="published", name="仅销售预包装食品备案")
    found = selectors.triage(online.code, {})
    assert found.online and found.online_url == f"/cases/apply/{online.code}/"


def test_another_district_s_hall_does_not_take_this_district_s_matters_at_its_general_windows(demo):
    """A hall of 雁塔区 with a schedule on its general windows' group: 莲湖区's food licence is
    not booked there (nor offered on the guide); a group naming the department, or the item's
    own schedule, takes it wherever the department is."""
    from govhall.accounts.models import Hall, WindowGroup
    from govhall.appointments.models import Schedule
    from govhall.catalog.models import Department, Region

    city = Region.objects.get(code="610100000000")
    yanta = Region.objects.create(code="610113000000", name="雁塔区", level="district", parent=city)
    other = Hall.objects.create(region=yanta, name="雁塔区政务服务中心")
    general = WindowGroup.objects.create(hall=other, letter="A", name="综合受理")
    h.schedule()  # 莲湖's own general windows take appointments
    Schedule.objects.create(hall=other, window_group=general, capacity=2, online_capacity=2)
    item = selectors.triage(h.FOOD, {}).item
    assert selectors.schedule_for(other, item) is None
    assert item.code not in {i.code for i, _ in selectors.bookable_items(other)}
    assert [hall.name for hall, _ in selectors.booking_halls(item)] == [h.HALL]
    # the department's own group at the other hall takes it (a window entrusted by it)
    entrusted = WindowGroup.objects.create(hall=other, letter="B", name="市场监管专窗", order=1)
    entrusted.departments.add(Department.objects.get(code="lh-scjg"))
    Schedule.objects.create(hall=other, window_group=entrusted, capacity=2, online_capacity=2)
    assert selectors.schedule_for(other, item).window_group == entrusted
    assert {hall.name for hall, _ in selectors.booking_halls(item)} == {h.HALL, "雁塔区政务服务中心"}
