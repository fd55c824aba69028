"""Slots computed from a schedule and the working-day calendar (nothing is stored ahead).

A day has slots when the calendar says it is a working day: none on public holidays (even a
Monday), some on a 调休 working Saturday or Sunday. Its hours are the schedule's row for that
weekday; a 调休 weekend day without a row of its own uses Monday's. Each span is cut into
slots of ``slot_minutes``; a remainder shorter than one slot is not offered.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from govhall.appointments.models import Schedule, ScheduleDay
from govhall.workdays.selectors import get_calendar


@dataclass(frozen=True)
class Slot:
    date: datetime.date
    start: datetime.datetime  # aware, in the site's time zone
    end: datetime.datetime
    capacity: int  # for this kind of booking (online or by staff)
    booked: int

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


def day_spans(
    schedule: Schedule, date: datetime.date, days: list[ScheduleDay] | None = None
) -> list[tuple[datetime.time, datetime.time]]:
    """The opening spans of ``schedule`` on ``date`` ([] when closed)."""
    if not get_calendar().is_workday(date):
        return []
    rows = {d.weekday: d for d in (days if days is not None else schedule.days.all())}
    row = rows.get(date.weekday())
    if row is None and date.weekday() >= 5:  # a 调休 working weekend day
        row = rows.get(0)
    return row.spans() if row else []


def day_slots(
    schedule: Schedule, date: datetime.date, days: list[ScheduleDay] | None = None
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """(start, end) of every slot of ``schedule`` on ``date``, aware datetimes."""
    zone = timezone.get_current_timezone()
    step = datetime.timedelta(minutes=schedule.slot_minutes)
    found = []
    for start, end in day_spans(schedule, date, days):
        cursor = datetime.datetime.combine(date, start, tzinfo=zone)
        stop = datetime.datetime.combine(date, end, tzinfo=zone)
        while cursor + step <= stop:
            found.append((cursor, cursor + step))
            cursor += step
    return found


def is_slot(schedule: Schedule, start: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The slot of ``schedule`` starting exactly at ``start``, or None."""
    local = timezone.localtime(start)
    for slot in day_slots(schedule, local.date()):
        if slot[0] == local:
            return slot
    return None
