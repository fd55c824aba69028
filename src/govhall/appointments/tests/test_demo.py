"""The demo loader: a schedule for each window group of the demo hall, a week of slots, a
booking for 张明 on the next slot with room; loading again changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhall.appointments import selectors
from govhall.appointments.models import Appointment, Schedule
from govhall.appointments.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_demo_schedules_and_bookings(demo):
    from govhall.appointments.demo import load

    schedules, booked = load()
    assert schedules == 4 and Schedule.objects.filter(hall=h.hall()).count() == 4
    citizen = Appointment.objects.get(user__username="citizen", status="booked")
    assert citizen.item_code == h.FOOD and citizen.window_group.letter == "A"
    assert citizen.slot_start > timezone.now()
    today = timezone.localdate()
    week = selectors.open_slots(
        Schedule.objects.get(window_group=h.group("A")), today, today + datetime.timedelta(days=7)
    )
    assert len({s.date for s in week}) >= 4  # a week of working days, holidays aside
    assert booked == Appointment.objects.filter(status="booked").count() >= 2
    assert load() == (4, 0)
