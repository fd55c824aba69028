"""The transition table, and a hypothesis state machine that drives real cases through
random sequences of actions by random actors over days that pass."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from govhall.cases import actions, effects, selectors, services, workflow
from govhall.cases.audit import verify_case
from govhall.cases.models import Case, Deferral, State
from govhall.cases.tests import factories as f
from govhall.core.errors import DomainError
from govhall.workdays.selectors import get_calendar


def test_table_is_complete_and_consistent():
    states = {s.value for s in State}
    for row in actions.ROWS:
        assert all(source.value in states for source in row.sources)
        assert row.target is None or row.target.value in states
        assert row.roles
        assert row.event.label and row.button and row.done
    # terminal states allow nothing, except revoking a delivered result (and the 告知承诺
    # check that may lead to it)
    for terminal in workflow.TERMINAL:
        allowed = {row.name for row in actions.ROWS if terminal in row.sources}
        assert allowed == ({"revoke", "verify_commitment"} if terminal == State.DELIVERED else set()), terminal
    # every non-terminal state has a way out
    for state in states - {s.value for s in workflow.TERMINAL}:
        assert any(state in row.sources for row in actions.ROWS), state
    assert "stateDiagram-v2" in actions.mermaid()


def test_docs_print_the_current_table():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[4] / "docs" / "workflow.md"
    assert actions.mermaid() in doc.read_text(), "docs/workflow.md is out of date: paste actions.mermaid()"


ACTORS = ["citizen", "clerk", "reviewer", "approver", "citizen2"]
PARAMS = f.ACTION_PARAMS


class CaseMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.offset = 0
        self.case = f.draft()
        self.deferrable = f.deferrable_ids(self.case)

    def teardown(self):
        effects._today = _real_today
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _set_clock(self):
        offset = self.offset
        effects._today = lambda: _real_today() + datetime.timedelta(days=offset)

    @rule(days=st.integers(min_value=1, max_value=15))
    def time_passes(self, days):
        self.offset += days
        self._set_clock()

    @rule(skip_deferrable=st.booleans())
    def upload(self, skip_deferrable):
        self.case.refresh_from_db()
        try:
            f.upload_all(self.case, skip=set(self.deferrable) if skip_deferrable else set())
        except DomainError:
            pass
        for d in self.case.deferrals.filter(status=Deferral.Status.PENDING):
            try:
                services.material_upload(
                    case=self.case, actor=f.user("citizen"), requirement_id=d.requirement_id, upload=f.pdf_upload()
                )
            except DomainError:
                pass

    @rule(action=st.sampled_from(actions.ACTIONS), actor=st.sampled_from(ACTORS))
    def act(self, action, actor):
        self.case.refresh_from_db()
        before = (self.case.state, self.case.version)
        params = dict(PARAMS.get(action, {}))
        if action == "accept_with_deferral":
            params["deferred"] = self.deferrable
        if action == "review":
            params["points"] = f.all_points(self.case)
        try:
            services.case_transition(
                case=self.case, actor=f.user(actor), action=action, params=params, comment="随机操作的意见"
            )
        except DomainError:
            self.case.refresh_from_db()
            assert (self.case.state, self.case.version) == before, "a refused action changed the case"
            return
        self.case.refresh_from_db()
        row = actions.row_for(before[0], action)
        assert row is not None, f"{action} succeeded from {before[0]}"
        assert self.case.version == before[1] + 1

    @precondition(lambda self: True)
    @invariant()
    def consistent(self):
        case = Case.objects.get(pk=self.case.pk)
        assert case.state in State.values
        pauses = list(case.pauses.all())
        open_pauses = [p for p in pauses if p.to_date is None]
        assert len(open_pauses) <= 1
        assert all(p.to_date is None or p.to_date >= p.from_date for p in pauses)
        if case.state in workflow.UNDER_REVIEW or case.state == State.CORRECTION_REQUESTED:
            assert case.clock_paused == bool(open_pauses)
        if case.state == State.SUSPENDED:
            assert open_pauses and open_pauses[0].kind == "suspension"
        if case.accepted_on is not None:
            # the clock is never negative: the due date is never before acceptance and the
            # working days left while stopped are never below zero
            if case.due_date is not None:
                assert case.due_date >= case.accepted_on
            deadline = get_calendar().due_date(
                case.accepted_on, case.limit_workdays, [(p.from_date, p.to_date) for p in pauses]
            )
            assert deadline.days_left_when_stopped is None or deadline.days_left_when_stopped >= 0
            view = selectors.case_deadline(selectors.detail_queryset().get(pk=case.pk))
            if view.paused:
                assert view.remaining_workdays is not None and view.remaining_workdays >= 0
        # a review opinion waits only on a case under review (a correction clears it)
        if case.reviewed_at is not None:
            assert case.accepted_on is not None and case.state != State.CORRECTION_REQUESTED
        # an extension happens once and stays within the statutory limit plus ten working days
        if case.extended_workdays:
            assert case.limit_workdays == case.item.promised_days + case.extended_workdays
            assert case.limit_workdays <= case.item.statutory_days + case.item.extension_days
            assert case.events.filter(action="extend").count() == 1
        if case.state in (State.ISSUED, State.DELIVERED):
            assert not case.deferrals.exclude(status=Deferral.Status.CONFIRMED).exists()
            assert case.issued_at is not None
        if case.state in (State.ACCEPTED, State.SUSPENDED, State.APPROVED, State.ISSUED, State.DELIVERED):
            assert case.accepted_on is not None
        events = list(case.events.order_by("seq"))
        assert verify_case(case, events) is None


_real_today = effects._today


@pytest.mark.django_db
def test_no_sequence_of_actions_breaks_a_case(demo, settings_media):
    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
