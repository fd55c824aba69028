"""No overbooking under concurrent bookings, with real threads each on its own connection, on
whichever database the suite runs on (CI runs it on SQLite and on PostgreSQL): more people
than places book the same slot at once; one person books the same item from several devices
at once; bookings race cancellations and moves for the last place."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, connections

from govhall.appointments import services
from govhall.appointments.models import Appointment, SlotCounter
from govhall.appointments.tests import helpers as h
from govhall.core.errors import DomainError

PLACES = 3
PEOPLE = 12
NINE = h.at(h.MONDAY, 9)
EVE = h.at(h.MONDAY - datetime.timedelta(days=3), 10)


@pytest.fixture
def race(transactional_db):
    from conftest import _load_demo

    _load_demo()
    return h.schedule(capacity=PLACES + 1, online=PLACES)


def together(jobs) -> list[str]:
    """Run the jobs in threads released at once; each returns an outcome or a refusal's code."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = [""] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = job()
        except DomainError as exc:
            outcomes[i] = exc.code
        except Exception as exc:  # a deadlock or any other failure fails the test
            outcomes[i] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not [o for o in outcomes if o.startswith("error") or not o], outcomes
    return outcomes


def booked(schedule, start) -> int:
    return SlotCounter.objects.get(schedule=schedule, date=start.date(), start=start.time()).booked


def test_more_people_than_places_book_one_slot_at_once(race):
    people = [h.person()[0] for _ in range(PEOPLE)]
    outcomes = together([lambda u=u: str(h.book(u, NINE, now=EVE).pk) for u in people])
    assert Counter(o for o in outcomes if not o.isdigit()) == {"slot_full": PEOPLE - PLACES}, outcomes
    live = Appointment.objects.filter(slot_start=NINE, status="booked")
    assert live.count() == PLACES and booked(race, NINE) == PLACES
    assert len(set(live.values_list("code", flat=True))) == PLACES
    # the place kept for phone bookings is still there for the hall, and then the slot is full
    caller = services.Caller(id_number=h.id_number(990), name="电话人", phone="13912345678")
    assert h.book(h.user("clerk"), NINE, now=EVE, caller=caller).channel == "phone"
    assert booked(race, NINE) == PLACES + 1


def test_one_person_booking_the_same_item_from_several_devices(race):
    user, _ = h.person()
    starts = [h.at(h.MONDAY, 9), h.at(h.MONDAY, 9, 30), h.at(h.MONDAY, 10), h.at(h.MONDAY, 10, 30)]
    outcomes = together([lambda s=s: str(h.book(user, s, now=EVE).pk) for s in starts])
    assert sorted(o for o in outcomes if not o.isdigit()) == ["already_booked"] * 3, outcomes
    assert Appointment.objects.filter(user=user, status="booked").count() == 1
    # the refused bookings gave their places back (rolled back with them)
    assert sum(SlotCounter.objects.filter(schedule=race).values_list("booked", flat=True)) == 1


def test_cancellations_and_moves_racing_bookings_never_overbook(race):
    full = [h.book(h.person()[0], NINE, now=EVE) for _ in range(PLACES)]
    others = [h.book(h.person()[0], h.at(h.MONDAY, 10), now=EVE) for _ in range(2)]
    newcomers = [h.person()[0] for _ in range(4)]
    jobs = [lambda a=full[0]: services.appointment_cancel(appointment=a, actor=a.user, now=EVE).status]
    jobs += [lambda u=u: str(h.book(u, NINE, now=EVE).pk) for u in newcomers]
    jobs += [
        lambda a=a: services.appointment_move(appointment=a, actor=a.user, slot_start=NINE, now=EVE).status
        for a in others
    ]
    outcomes = together(jobs)
    assert outcomes[0] == "cancelled", outcomes
    live = Appointment.objects.filter(slot_start=NINE, status="booked").count()
    assert live == booked(race, NINE) <= PLACES, outcomes
    assert live == PLACES  # the freed place was taken by exactly one of the racers
    at_ten = Appointment.objects.filter(slot_start=h.at(h.MONDAY, 10), status="booked").count()
    assert at_ten == booked(race, h.at(h.MONDAY, 10))


def test_moves_in_opposite_directions_at_once(race):
    """Each move changes two counter rows; in opposite directions they would deadlock on
    PostgreSQL unless both change the earlier slot first."""
    ten = h.at(h.MONDAY, 10)
    there = [h.book(h.person()[0], NINE, now=EVE) for _ in range(2)]
    back = [h.book(h.person()[0], ten, now=EVE) for _ in range(2)]
    jobs = [
        lambda a=a: services.appointment_move(appointment=a, actor=a.user, slot_start=ten, now=EVE).status
        for a in there
    ]
    jobs += [
        lambda a=a: services.appointment_move(appointment=a, actor=a.user, slot_start=NINE, now=EVE).status
        for a in back
    ]
    outcomes = together(jobs)
    # a move may find its new slot momentarily full (the other direction not yet committed);
    # nothing else may happen, and the counters always equal the live appointments
    assert set(outcomes) <= {"booked", "slot_full"} and "booked" in outcomes, outcomes
    for start in (NINE, ten):
        live = Appointment.objects.filter(slot_start=start, status="booked").count()
        assert live == booked(race, start) <= PLACES, (start, outcomes)
    assert Appointment.objects.filter(status="booked").count() == 4


SCRIPT = """
import json, os, sys
from django.db import connection
connection.settings_dict["NAME"] = os.environ["APPOINTMENTS_TEST_DB"]
connection.close()
from govhall.accounts.models import User
from govhall.appointments.tests.test_concurrency import process_book
users = [User.objects.get(pk=pk) for pk in json.loads(os.environ["APPOINTMENTS_USERS"])]
sys.stdin.readline()  # start together
print(json.dumps([process_book(u) for u in users]))
"""


def process_book(user) -> str:
    try:
        return str(h.book(user, NINE, now=EVE).pk)
    except DomainError as exc:
        return exc.code
    finally:
        connection.close()


def test_server_like_processes_book_one_slot_at_once(race):
    """Four processes (as gunicorn's workers), three people each, against this test's database."""
    people = [h.person()[0].pk for _ in range(PEOPLE)]
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "APPOINTMENTS_TEST_DB": str(connection.settings_dict["NAME"]),
        "GOVHALL_VAR_DIR": str(settings.VAR_DIR),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", SCRIPT],
            cwd=settings.BASE_DIR,
            env={**environment, "APPOINTMENTS_USERS": json.dumps(people[i::4])},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outputs = [p.communicate("go\n", timeout=240) for p in processes]
    outcomes = []
    for out, err in outputs:
        assert out.strip(), err[-2000:]
        outcomes += json.loads(out.strip().splitlines()[-1])
    assert Counter(o for o in outcomes if not o.isdigit()) == {"slot_full": PEOPLE - PLACES}, outcomes
    assert Appointment.objects.filter(slot_start=NINE, status="booked").count() == PLACES == booked(race, NINE)
