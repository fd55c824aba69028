"""The slot calendar: computed from the schedule and the working-day calendar — no slots on
public holidays (even on a weekday), slots on 调休 working Saturdays and Sundays, none on an
ordinary weekend, and the administrator's calendar overrides apply at once."""

from __future__ import annotations

import datetime

import pytest

from govhall.appointments import selectors
from govhall.appointments.models import ScheduleDay
from govhall.appointments.slots import day_slots
from govhall.appointments.tests import helpers as h
from govhall.workdays import services as workdays

pytestmark = pytest.mark.django_db


def starts(schedule, date):
    return [s.strftime("%H:%M") for s, _ in day_slots(schedule, date)]


def test_a_working_day_is_cut_into_slots_of_the_schedule(demo):
    schedule = h.schedule(minutes=45)
    found = starts(schedule, h.MONDAY)
    # 09:00-12:00 is four 45-minute slots; 13:30-17:00 has 3.5: the half is not offered
    assert found == ["09:00", "09:45", "10:30", "11:15", "13:30", "14:15", "15:00", "15:45"]
    end = day_slots(schedule, h.MONDAY)[-1][1]
    assert end.strftime("%H:%M") == "16:30" and end.utcoffset() == datetime.timedelta(hours=8)


def test_no_slots_on_national_day_even_on_weekdays(demo):
    schedule = h.schedule()
    for day in range(1, 8):  # 2026-10-01 (Thursday) to 10-07
        assert starts(schedule, datetime.date(2026, 10, day)) == [], day
    assert starts(schedule, datetime.date(2026, 10, 8))  # Thursday after the holiday: open again


def test_tiaoxiu_weekend_days_have_slots_with_mondays_hours(demo):
    schedule = h.schedule()
    monday = starts(schedule, h.MONDAY)
    assert starts(schedule, datetime.date(2026, 9, 20)) == monday  # Sunday, worked for National Day
    assert starts(schedule, datetime.date(2026, 10, 10)) == monday  # Saturday, likewise
    assert starts(schedule, datetime.date(2026, 11, 21)) == []  # an ordinary Saturday


def test_a_weekend_row_of_its_own_is_used_on_a_tiaoxiu_day_only(demo):
    schedule = h.schedule()
    ScheduleDay.objects.create(
        schedule=schedule, weekday=5, morning_start=datetime.time(9), morning_end=datetime.time(10)
    )
    assert starts(schedule, datetime.date(2026, 10, 10)) == ["09:00", "09:30"]
    assert starts(schedule, datetime.date(2026, 11, 21)) == []  # not a working day: closed anyway


def test_a_weekday_without_a_row_is_closed(demo):
    schedule = h.schedule()
    schedule.days.filter(weekday=2).delete()
    assert starts(schedule, h.MONDAY + datetime.timedelta(days=2)) == []


def test_calendar_overrides_apply_at_once(demo):
    schedule = h.schedule()
    tuesday = h.MONDAY + datetime.timedelta(days=1)
    saturday = h.MONDAY + datetime.timedelta(days=5)
    workdays.override_set(date=tuesday, is_workday=False, name="临时停工")
    workdays.override_set(date=saturday, is_workday=True, name="调休上班")
    assert starts(schedule, tuesday) == []
    assert starts(schedule, saturday) == starts(schedule, h.MONDAY)


def test_open_slots_across_a_holiday_week_with_remaining_places(demo):
    schedule = h.schedule(capacity=3, online=2, ahead=14)
    now = h.at(datetime.date(2026, 9, 28), 8)  # Monday before National Day
    found = selectors.open_slots(schedule, now.date(), now.date() + datetime.timedelta(days=14), now=now)
    days = sorted({s.date for s in found})
    assert not {datetime.date(2026, 10, d) for d in range(1, 8)} & set(days)
    assert datetime.date(2026, 10, 8) in days
    assert datetime.date(2026, 10, 10) in days  # 调休 Saturday
    assert days[-1] == datetime.date(2026, 10, 12)  # 14 days ahead
    assert {s.capacity for s in found} == {2}  # online sees the online places only
    staff = selectors.open_slots(schedule, now.date(), now.date(), staff=True, now=now)
    assert {s.capacity for s in staff} == {3}
    # slots starting within the notice period are not offered
    later = h.at(now.date(), 10, 10)
    first = selectors.open_slots(schedule, later.date(), later.date(), now=later)[0]
    assert first.start == h.at(later.date(), 11)


def test_remaining_counts_bookings(demo):
    schedule = h.schedule(capacity=2)
    start = h.at(h.MONDAY, 9)
    h.book(h.user("citizen"), start)
    found = selectors.open_slots(schedule, h.MONDAY, h.MONDAY, now=start - datetime.timedelta(days=1))
    assert (found[0].booked, found[0].remaining) == (1, 1)
    assert all(s.remaining == 2 for s in found[1:])
