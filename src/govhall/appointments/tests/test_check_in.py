"""Check-in at the hall (the queue's kiosk calls ``appointment_check_in``), the no-show sweep
and the online-booking block after repeated no-shows."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from govhall.accounts.models import Hall
from govhall.appointments import selectors, services
from govhall.appointments.tests import helpers as h
from govhall.core.errors import DomainError
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db

NINE = h.at(h.MONDAY, 9)
EVE = h.at(h.MONDAY - datetime.timedelta(days=3), 10)


def refused(expected: str, call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == expected, (caught.value.code, caught.value.message)
    return caught.value


def test_check_in_within_its_window_and_idempotent(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    hall = h.hall()
    error = refused(
        "check_in_too_early", services.appointment_check_in, hall=hall, code=a.code, now=h.at(h.MONDAY, 7, 59)
    )
    assert "08:00" in error.message
    spaced = f"{a.code[:4]} {a.code[4:]}"
    done = services.appointment_check_in(hall=hall, code=spaced, now=h.at(h.MONDAY, 8, 0))
    assert done.pk == a.pk and done.status == "arrived" and done.arrived_at == h.at(h.MONDAY, 8, 0)
    again = services.appointment_check_in(hall=hall, code=a.code, now=h.at(h.MONDAY, 8, 20))
    assert again.status == "arrived" and again.arrived_at == h.at(h.MONDAY, 8, 0)
    # an arrival is not a no-show
    assert services.no_show_sweep(now=h.at(h.MONDAY, 18)) == 0


def test_check_in_closes_after_the_slot_plus_grace(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    assert services.appointment_check_in(hall=h.hall(), code=a.code, now=h.at(h.MONDAY, 9, 45)).status == "arrived"
    b = h.book(h.user("citizen2"), NINE, now=EVE)
    refused("check_in_closed", services.appointment_check_in, hall=h.hall(), code=b.code, now=h.at(h.MONDAY, 9, 46))


def test_check_in_only_at_its_hall_on_its_day_with_a_well_formed_code(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    other = Hall.objects.create(region=h.hall().region, name="另一个大厅")
    refused("appointment_not_found", services.appointment_check_in, hall=other, code=a.code, now=h.at(h.MONDAY, 8, 30))
    refused(
        "appointment_not_found",
        services.appointment_check_in,
        hall=h.hall(),
        code=a.code,
        now=h.at(h.MONDAY, 8) - datetime.timedelta(days=1),
    )
    wrong = f"{(int(a.code) + 1) % 10**8:08d}"
    refused(
        "appointment_not_found", services.appointment_check_in, hall=h.hall(), code=wrong, now=h.at(h.MONDAY, 8, 30)
    )
    for bad in ("", "12ab5678", "123", "1234567890"):
        refused("invalid_code", services.appointment_check_in, hall=h.hall(), code=bad, now=h.at(h.MONDAY, 8, 30))


def test_check_in_by_the_halls_staff_or_the_applicant_themselves(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    at = h.at(h.MONDAY, 8, 30)
    for username in ("reviewer", "supervisor", "assistant"):  # staff, not of this hall's windows
        refused(
            "role_not_allowed",
            services.appointment_check_in,
            hall=h.hall(),
            code=a.code,
            actor=h.user(username),
            now=at,
        )
    for username in ("citizen2", "company"):  # someone else's code from their phone
        refused(
            "appointment_not_found",
            services.appointment_check_in,
            hall=h.hall(),
            code=a.code,
            actor=h.user(username),
            now=at,
        )
    done = services.appointment_check_in(hall=h.hall(), code=a.code, actor=h.user("clerk"), now=at)
    assert done.checked_in_by.username == "clerk"
    b = h.book(h.user("citizen2"), NINE, now=EVE)
    mine = services.appointment_check_in(hall=h.hall(), code=b.code, actor=h.user("citizen2"), now=at)
    assert mine.status == "arrived" and mine.checked_in_by.username == "citizen2"


def test_a_cancelled_appointment_does_not_check_in(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    services.appointment_cancel(appointment=a, actor=h.user("citizen"), now=EVE)
    refused("cancelled", services.appointment_check_in, hall=h.hall(), code=a.code, now=h.at(h.MONDAY, 8, 30))


def test_the_sweep_marks_no_shows_after_the_grace_once(demo):
    h.schedule()
    a = h.book(h.user("citizen"), NINE, now=EVE)
    b = h.book(h.user("citizen2"), h.at(h.MONDAY, 10), now=EVE)
    assert services.no_show_sweep(now=h.at(h.MONDAY, 9, 45)) == 0  # still within the grace
    assert services.no_show_sweep(now=h.at(h.MONDAY, 9, 46)) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("no_show", "booked")
    assert services.no_show_sweep(now=h.at(h.MONDAY, 9, 50)) == 0  # run again: nothing new
    refused("check_in_closed", services.appointment_check_in, hall=h.hall(), code=a.code, now=h.at(h.MONDAY, 9, 50))
    assert Notification.objects.filter(event="appointment_no_show", channel="sms", phone="13800138000").count() == 1


def test_the_sweep_command(demo, capsys):
    h.schedule()
    h.book(h.user("citizen"), h.at(datetime.date(2026, 11, 2), 9), now=h.at(datetime.date(2026, 10, 30), 9))
    call_command("appointments_sweep")  # now (December 2026): long past
    assert "记为爽约：1 个预约；发送提醒：0 个预约" in capsys.readouterr().out


def test_repeated_no_shows_block_online_booking_for_a_while(demo):
    h.schedule(ahead=60)
    user, applicant = h.person()
    days = [datetime.date(2026, 11, 2), datetime.date(2026, 11, 9), datetime.date(2026, 11, 16)]
    for i, day in enumerate(days):
        h.book(user, h.at(day, 9), now=h.at(day, 8), item=_items()[i])
        services.no_show_sweep(now=h.at(day, 12))
        if i < 2:
            assert selectors.no_show_block(applicant, h.at(day, 12)) is None
    later = h.at(datetime.date(2026, 11, 17), 9)
    until, count = selectors.no_show_block(applicant, later)
    assert count == 3 and until == h.at(days[-1], 9) + datetime.timedelta(days=selectors.NO_SHOW_BLOCK_DAYS)
    error = refused("no_show_blocked", h.book, actor=user, start=h.at(datetime.date(2026, 11, 18), 9), now=later)
    assert "爽约" in error.message and "2026年12月16日前不能在网上预约" in error.message
    # the hall may still book for them by phone
    caller = services.Caller(id_number=applicant.id_number)
    assert h.book(h.user("clerk"), h.at(datetime.date(2026, 11, 18), 9), now=later, caller=caller).channel == "phone"
    # after the block period online booking is open again
    free = h.at(datetime.date(2026, 12, 17), 9)
    assert selectors.no_show_block(applicant, free) is None
    assert h.book(user, h.at(datetime.date(2026, 12, 18), 9), now=free, item=_items()[1]).status == "booked"


def test_no_shows_spread_beyond_the_window_do_not_block(demo):
    h.schedule(ahead=90)
    user, applicant = h.person()
    for i, day in enumerate([datetime.date(2026, 6, 1), datetime.date(2026, 8, 3), datetime.date(2026, 10, 12)]):
        h.book(user, h.at(day, 9), now=h.at(day, 8), item=_items()[i])
        services.no_show_sweep(now=h.at(day, 12))
    assert selectors.no_show_block(applicant, h.at(datetime.date(2026, 10, 13), 9)) is None


def _items() -> list[str]:
    return [i.code for i, _ in selectors.bookable_items(h.hall())][:3]


def test_reminders_go_once_a_day_ahead_not_for_fresh_bookings(demo):
    h.schedule()
    friday = h.MONDAY - datetime.timedelta(days=3)
    early = h.book(h.user("citizen"), NINE, now=h.at(friday, 9))  # booked on Friday for Monday
    late = h.book(h.user("citizen2"), h.at(h.MONDAY, 10), now=h.at(h.MONDAY - datetime.timedelta(days=1), 9, 30))
    assert services.reminder_sweep(now=h.at(friday, 10)) == 0  # more than a day ahead
    sunday = h.at(h.MONDAY - datetime.timedelta(days=1), 10)
    assert services.reminder_sweep(now=sunday) == 1  # citizen2 booked half an hour ago: no reminder
    assert services.reminder_sweep(now=sunday + datetime.timedelta(minutes=5)) == 0  # once
    sms = Notification.objects.get(event="appointment_reminder", channel="sms")
    assert sms.phone == "13800138000" and early.code in sms.text and "请携带" in sms.text
    assert services.reminder_sweep(now=sunday + datetime.timedelta(hours=2)) == 1  # citizen2 now
    late.refresh_from_db()
    assert late.reminded_at is not None


def test_no_reminder_for_a_cancelled_appointment(demo):
    h.schedule()
    friday = h.MONDAY - datetime.timedelta(days=3)
    a = h.book(h.user("citizen"), NINE, now=h.at(friday, 9))
    services.appointment_cancel(appointment=a, actor=h.user("citizen"), now=h.at(friday, 9, 5))
    assert services.reminder_sweep(now=h.at(h.MONDAY - datetime.timedelta(days=1), 10)) == 0
