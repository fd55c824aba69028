"""The ticket state table against a model (hypothesis RuleBasedStateMachine): random sequences
of issuing, calling, recalling, missing, parking, resuming, requeueing, transferring,
starting, finishing and cancelling by three clerks at two groups, with the clock moving.
After every step the database holds exactly the model's states, windows and queue order,
and call_next picked the ticket the written rule says."""

from __future__ import annotations

import datetime

import hypothesis
import pytest
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from govhall.accounts.roles import Role
from govhall.core.errors import DomainError
from govhall.queues import services, workflow
from govhall.queues.models import Counter, Priority, Source, State, Ticket
from govhall.queues.tests.helpers import clerk_at, hall, staff

pytestmark = pytest.mark.django_db

ACTIONS = ["recall", "miss", "start", "park", "resume", "requeue", "transfer", "finish", "cancel"]
WINDOW_GROUP = {"1": "A", "2": "A", "6": "C"}


class Model:
    def __init__(self, pk, group, key, number):
        self.pk, self.group, self.key, self.number = pk, group, key, number
        self.state, self.window, self.calls, self.clerk = State.WAITING, None, 0, None


def _machine(clerks, manager, the_hall):
    class Queue(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            Ticket.objects.all().delete()
            Counter.objects.all().delete()
            start = datetime.datetime.combine(
                timezone.localdate(), datetime.time(8), tzinfo=timezone.get_current_timezone()
            )
            self.now = start
            services._now = lambda: self.now
            self.tickets: dict[int, Model] = {}
            self.numbers: set[str] = set()

        def _at_window(self, code):
            return next((t for t in self.tickets.values() if t.window == code and t.state in workflow.ACTIVE), None)

        @initialize(kinds=st.lists(st.sampled_from(["", "elderly", "disabled"]), min_size=4, max_size=8))
        def morning(self, kinds):
            """Some people are waiting when the windows open."""
            for i, kind in enumerate(kinds):
                self.issue("AC"[i % 2], kind)
                self.now += datetime.timedelta(minutes=1)

        @rule(minutes=st.integers(0, 10))
        def tick(self, minutes):
            self.now += datetime.timedelta(minutes=minutes)

        @rule(letter=st.sampled_from(["A", "C"]), kind=st.sampled_from(["", "elderly", "disabled"]))
        def issue(self, letter, kind):
            ticket, _ = services.issue(
                hall=the_hall, group=letter, source=Source.KIOSK, elderly=kind == "elderly", disabled=kind == "disabled"
            )
            priority = {"": Priority.NONE, "elderly": Priority.ELDERLY, "disabled": Priority.DISABLED}[kind]
            assert ticket.priority == priority
            assert ticket.number not in self.numbers
            self.numbers.add(ticket.number)
            self.tickets[ticket.pk] = Model(
                ticket.pk, letter, (self.now - workflow.credit(priority), ticket.pk), ticket.number
            )

        @rule(window=st.sampled_from(sorted(WINDOW_GROUP)))
        def call_next(self, window):
            clerk = clerks[window]
            if self._at_window(window) is not None:
                with pytest.raises(DomainError) as error:
                    services.call_next(actor=clerk)
                assert error.value.code == "window_busy"
                return
            waiting = [t for t in self.tickets.values() if t.state == State.WAITING and t.group == WINDOW_GROUP[window]]
            expected = min(waiting, key=lambda t: t.key) if waiting else None
            called = services.call_next(actor=clerk)
            if expected is None:
                assert called is None
                return
            assert called is not None and called.pk == expected.pk, (called, expected.number)
            expected.state, expected.window, expected.calls, expected.clerk = State.CALLED, window, 1, window

        @precondition(lambda self: self.tickets)
        @rule(
            action=st.sampled_from(["recall", "miss", "start", "finish", "resume", "requeue", "park", "transfer"]),
            pick=st.integers(0, 10_000),
            who=st.sampled_from(sorted(WINDOW_GROUP)),
            to=st.sampled_from(["A", "C"]),
        )
        def act(self, action, pick, who, to):
            self._act(action, pick, who, to)

        def _act(self, action, pick, who, to):
            model = self.tickets[sorted(self.tickets)[pick % len(self.tickets)]]
            actor = manager if who == "manager" else clerks[who]
            allowed = model.state in workflow.TRANSITIONS[action][0]
            limit = workflow.max_calls()
            if allowed and model.state in workflow.ACTIVE and who != "manager" and model.clerk != who:
                allowed = action == "transfer"
            if action == "recall":
                allowed = allowed and model.calls < limit
            if action == "miss":
                allowed = allowed and model.calls >= limit
            if action == "transfer":
                allowed = allowed and to != model.group
            ticket = Ticket.objects.get(pk=model.pk)
            if not allowed:
                with pytest.raises(DomainError):
                    services.act(actor=actor, ticket=ticket, action=action, group=to)
                return
            services.act(actor=actor, ticket=ticket, action=action, group=to)
            if action == "recall":
                model.calls += 1
            elif action == "miss":
                model.state, model.window = State.MISSED, None
            elif action == "start":
                model.state = State.SERVING
            elif action == "park":
                model.state, model.window = State.PARKED, None
            elif action == "resume":
                model.state, model.calls = State.WAITING, 0
            elif action == "requeue":
                model.state, model.calls, model.key = State.WAITING, 0, (self.now, model.pk)
            elif action == "transfer":
                model.state, model.window, model.calls, model.group = State.WAITING, None, 0, to
            elif action in ("finish", "cancel"):
                model.state, model.window = (State.FINISHED if action == "finish" else State.CANCELLED), None

        @rule(
            window=st.sampled_from(sorted(WINDOW_GROUP)),
            action=st.sampled_from(
                ["recall", "recall", "miss", "miss", "start", "park", "finish", "finish", "transfer"]
            ),
            to=st.sampled_from(["A", "C"]),
        )
        def at_window(self, window, action, to):
            """What the clerk does at their window (most steps of a real day): call the next
            ticket when the window is free, else act on the one at the window."""
            current = self._at_window(window)
            if current is None:
                self.call_next(window)
            else:
                self._act(action, sorted(self.tickets).index(current.pk), window, to)

        @rule(action=st.sampled_from(["resume", "requeue", "resume", "requeue", "cancel"]), pick=st.integers(0, 10_000))
        def back_in_line(self, action, pick):
            """The hall manager puts a parked or missed ticket back (or cancels one)."""
            state = {"resume": State.PARKED, "requeue": State.MISSED, "cancel": State.WAITING}[action]
            found = sorted(pk for pk, t in self.tickets.items() if t.state == state)
            if found:
                self._act(action, sorted(self.tickets).index(found[pick % len(found)]), "manager", "A")

        @invariant()
        def database_is_the_model(self):
            rows = {t.pk: t for t in Ticket.objects.select_related("group", "window")}
            assert set(rows) == set(self.tickets)
            for pk, model in self.tickets.items():
                row = rows[pk]
                assert row.state == model.state, (row.number, row.state, model.state)
                assert row.group.letter == model.group
                assert (row.window.code if row.window_id else None) == model.window
                assert (row.queue_key, row.pk) == model.key
                if model.state == State.CALLED:
                    assert row.call_count == model.calls
            at_windows = [t.window for t in self.tickets.values() if t.state in workflow.ACTIVE]
            assert len(at_windows) == len(set(at_windows))

    return Queue


def test_ticket_state_machine(demo, settings):
    settings.GOVHALL_QUEUE_MAX_CALLS = 2
    the_hall = hall()
    clerks = {code: clerk_at(code) for code in WINDOW_GROUP}
    manager = staff(Role.HALL_MANAGER, the_hall)
    real_now = services._now
    try:
        run_state_machine_as_test(
            _machine(clerks, manager, the_hall),
            settings=hypothesis.settings(
                max_examples=40,
                stateful_step_count=60,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
    finally:
        services._now = real_now
