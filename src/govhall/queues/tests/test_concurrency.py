"""Many kiosks and many clerks at once: numbers are never given twice and two clerks calling at
the same moment never get the same ticket (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from govhall.accounts.models import Window
from govhall.queues import services
from govhall.queues.models import Source, State, Ticket
from govhall.queues.tests.helpers import group, hall, staff

pytestmark = pytest.mark.django_db(transaction=True)


def _run(n: int, work) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int):
        try:
            barrier.wait(timeout=20)
            work(i)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_parallel_kiosks_never_print_a_number_twice(demo):
    the_hall = hall()
    made: list[str] = []

    def take(i: int):
        for _ in range(8):
            made.append(services.issue(hall=the_hall, group="A" if i % 4 else "B", source=Source.KIOSK)[0].number)

    assert _run(8, take) == []
    a = sorted(n for n in made if n.startswith("A"))
    b = sorted(n for n in made if n.startswith("B"))
    assert a == [f"A{i:03d}" for i in range(1, 49)]
    assert b == [f"B{i:03d}" for i in range(1, 17)]
    assert Ticket.objects.count() == 64


def test_parallel_clerks_never_call_the_same_ticket(demo):
    from govhall.accounts.roles import Role

    the_hall, a = hall(), group("A")
    tickets = {services.issue(hall=the_hall, group="A", source=Source.KIOSK)[0].pk for _ in range(48)}
    windows = [Window.objects.create(hall=the_hall, code=f"T{i}", group=a) for i in range(8)]
    clerks = [staff(Role.CLERK, the_hall, w) for w in windows]
    served: dict[int, list[int]] = {i: [] for i in range(8)}

    def work(i: int):
        while True:
            ticket = services.call_next(actor=clerks[i])
            if ticket is None:
                return
            served[i].append(ticket.pk)
            services.act(actor=clerks[i], ticket=ticket, action="start")
            services.act(actor=clerks[i], ticket=ticket, action="finish")

    assert _run(8, work) == []
    everything = [pk for pks in served.values() for pk in pks]
    assert sorted(everything) == sorted(tickets)  # each exactly once
    assert sum(1 for pks in served.values() if pks) >= 2  # really in parallel
    assert Ticket.objects.filter(state=State.FINISHED).count() == 48
