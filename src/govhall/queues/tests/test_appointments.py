"""Appointment check-in at the kiosk or by the clerk: the appointments app checks the code in
(today, this hall, in its window); the queue gives a priority ticket of its window group."""

from __future__ import annotations

import datetime

import pytest

from govhall.appointments.tests import helpers as ah
from govhall.core.errors import Conflict, DomainError, NotFound
from govhall.queues import services
from govhall.queues.models import Priority, Source, State
from govhall.queues.tests.helpers import Clock, clerk_at, hall

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(demo, monkeypatch):
    ah.schedule("A")
    user, _ = ah.person()
    appointment = ah.book(user, ah.at(ah.MONDAY, 10))
    clock = Clock(ah.at(ah.MONDAY, 9, 50))
    monkeypatch.setattr("govhall.queues.services._now", clock)
    return appointment, clock


def test_check_in_gives_a_priority_ticket_of_the_group(booked):
    appointment, clock = booked
    walk_in = services.issue(hall=hall(), group="A", source=Source.KIOSK)[0]
    clock.advance(minutes=5)
    ticket, _ = services.issue_for_appointment(hall=hall(), code=appointment.code, source=Source.KIOSK)
    appointment.refresh_from_db()
    assert appointment.status == "arrived"
    assert ticket.priority == Priority.APPOINTMENT and ticket.source == Source.APPOINTMENT
    assert ticket.group == appointment.window_group and ticket.applicant == appointment.applicant
    # issued 5 minutes after the walk-in, called before it (20 minutes' credit)
    assert services.call_next(actor=clerk_at("1")).pk == ticket.pk
    assert walk_in.state == State.WAITING


def test_a_second_scan_gives_no_second_ticket(booked):
    appointment, _ = booked
    services.issue_for_appointment(hall=hall(), code=appointment.code, source=Source.KIOSK)
    with pytest.raises(Conflict) as error:
        services.issue_for_appointment(hall=hall(), code=appointment.code, source=Source.KIOSK)
    assert error.value.code == "appointment_already_queued"


def test_wrong_early_and_empty_codes(booked):
    appointment, clock = booked
    with pytest.raises(NotFound):
        wrong = "00000000" if appointment.code != "00000000" else "11111111"
        services.issue_for_appointment(hall=hall(), code=wrong, source=Source.KIOSK)
    with pytest.raises(DomainError):
        services.issue_for_appointment(hall=hall(), code="", source=Source.KIOSK)
    clock.now = ah.at(ah.MONDAY, 8)
    with pytest.raises(Conflict) as error:
        services.issue_for_appointment(hall=hall(), code=appointment.code, source=Source.KIOSK)
    assert error.value.code == "check_in_too_early"
    assert clock.now < appointment.slot_start - datetime.timedelta(minutes=1)


def test_clerk_checks_in_for_the_applicant(booked):
    appointment, _ = booked
    ticket, _ = services.issue_for_appointment(
        hall=hall(), code=appointment.code, source=Source.CLERK, actor=clerk_at("2")
    )
    assert ticket.source == Source.CLERK and ticket.priority == Priority.APPOINTMENT
