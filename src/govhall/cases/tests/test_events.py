"""Case events reach other apps' subscribers: each transition once, after its commit, by
ids; a failing subscriber never undoes the case and is recorded and retried."""

from __future__ import annotations

import pytest
from django.db import transaction

from govhall.cases.events import CaseTransitioned, DocumentCreated, EventKind, MaterialAdded
from govhall.cases.models import Case, State
from govhall.cases.tests import factories as f
from govhall.core import events
from govhall.core.models import EventFailure


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def watcher():
    """A subscriber as another app would register one (here: a bundle watching its members)."""
    seen: list[tuple[CaseTransitioned, str, int]] = []

    @events.subscribe(CaseTransitioned, name="tests.watcher")
    def watch(event: CaseTransitioned) -> None:
        # reads the case itself, after the commit: it sees the committed state
        case = Case.objects.get(pk=event.case_id)
        seen.append((event, case.state, case.version))

    yield seen
    events.unsubscribe("tests.watcher")


@pytest.fixture
def broken():
    calls = []

    @events.subscribe(CaseTransitioned, name="tests.broken")
    def fail(event: CaseTransitioned) -> None:
        calls.append(event)
        Case.objects.filter(pk=event.case_id).update(decision_reason="written by a failing subscriber")
        raise RuntimeError("the supervision board is down")

    yield calls
    events.unsubscribe("tests.broken")


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_sees_each_transition_once_after_commit(demo, watcher):
    case = f.submitted()  # create and submit, each committed
    assert [(e.action, state) for e, state, _ in watcher] == [("submit", State.SUBMITTED)]
    watcher.clear()
    with transaction.atomic():
        case = f.act(case, "clerk", "accept")
        assert watcher == []  # nothing before the commit
    (event, state, version), *rest = watcher
    assert not rest
    assert (event.number, event.action, event.from_state, event.to_state) == (
        case.number,
        "accept",
        "submitted",
        "accepted",
    )
    assert (state, version) == (State.ACCEPTED, case.version)  # what was committed
    assert case.events.get(pk=event.event_id).action == EventKind.ACCEPT
    # a transition that fails publishes nothing
    watcher.clear()
    with pytest.raises(Exception):  # noqa: B017 (any refusal)
        f.act(case, "approver", "deny")  # no reason given
    assert watcher == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transition_publishes_nothing(demo, watcher):
    case = f.submitted()
    watcher.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        f.act(case, "clerk", "accept")
        raise RuntimeError("the request failed after the action")
    assert watcher == []
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_undo_the_case_and_is_retried(demo, watcher, broken):
    case = f.act(f.submitted(), "clerk", "accept")
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == State.ACCEPTED  # the case's own change stands
    assert stored.decision_reason == ""  # the failing subscriber's own write rolled back
    assert [e.action for e, _, _ in watcher][-1] == "accept"  # the others still ran
    failures = EventFailure.objects.filter(subscriber="tests.broken")
    assert sorted(x.payload["action"] for x in failures) == ["accept", "submit"]  # one row per event
    failure = failures.get(payload__action="accept")
    assert "supervision board is down" in failure.error and failure.resolved_at is None
    failures.exclude(pk=failure.pk).delete()
    # retried when due: still failing, then repaired
    assert events.retry_failures(now=failure.next_attempt_at) == (0, 1)
    failure.refresh_from_db()
    assert failure.attempts == 2 and failure.next_attempt_at > failure.created_at
    events.unsubscribe("tests.broken")
    repaired = []
    events.subscribe(CaseTransitioned, name="tests.broken")(lambda event: repaired.append(event.action))
    assert events.retry_failures(now=failure.next_attempt_at) == (1, 0)
    assert repaired == ["accept"] and EventFailure.objects.get(pk=failure.pk).resolved_at is not None


@pytest.mark.django_db(transaction=True)
def test_materials_and_documents_are_published(demo):
    seen = []
    events.subscribe(MaterialAdded, name="tests.materials")(seen.append)
    events.subscribe(DocumentCreated, name="tests.documents")(seen.append)
    try:
        case = f.accepted()
    finally:
        events.unsubscribe("tests.materials")
        events.unsubscribe("tests.documents")
    materials = [e for e in seen if isinstance(e, MaterialAdded)]
    documents = [e for e in seen if isinstance(e, DocumentCreated)]
    assert {e.material_id for e in materials} == set(case.materials.values_list("pk", flat=True))
    assert [d.kind for d in documents] == ["acceptance_notice"]
    assert all(e.number == case.number for e in seen)


def test_events_carry_ids_and_plain_values_only():
    import dataclasses

    for event_type in (CaseTransitioned, MaterialAdded, DocumentCreated):
        for field in dataclasses.fields(event_type):
            assert field.type in ("int", "str", "bool", "int | None"), (event_type, field.name, field.type)


# --------------------------------------------------------------------------- other apps write to the timeline

DROPPED = "tests.papers_dropped"


@pytest.mark.django_db
def test_another_app_records_its_own_kind_in_the_timeline(demo, django_capture_on_commit_callbacks):
    from govhall.cases import services
    from govhall.cases.events import CaseNoted, label, register_kind
    from govhall.core.errors import NotFound

    register_kind(DROPPED, "投递纸质材料")
    with pytest.raises(ValueError):
        register_kind("accept", "受理")  # the cases app's own kinds are not another app's
    with pytest.raises(ValueError):
        register_kind(DROPPED, "另一个名字")
    case = f.submitted()
    seen = []
    events.subscribe(CaseNoted, name="tests.noted")(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = services.case_note(
                case=case.number, actor=None, kind=DROPPED, comment="A柜3号门", data={"cell": 3}, by="信包箱 A柜"
            )
    finally:
        events.unsubscribe("tests.noted")
    assert (event.action, event.actor_name, event.actor_role, event.data) == (
        DROPPED,
        "信包箱 A柜",
        "system",
        {"cell": 3},
    )
    assert label(DROPPED) == "投递纸质材料" and [e.kind for e in seen] == [DROPPED]
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and case.event_count == event.seq  # the chain goes on
    with pytest.raises(ValueError):
        services.case_note(case=case, actor=None, kind="tests.never_registered")
    with pytest.raises(NotFound):
        services.case_note(case=case, actor=f.user("citizen2"), kind=DROPPED)
    from govhall.cases.audit import verify_case

    assert verify_case(case, list(case.events.order_by("seq"))) is None


@pytest.mark.django_db
def test_a_system_transition_needs_a_row_that_allows_it(demo):
    from govhall.cases import services
    from govhall.core.errors import Forbidden

    case = f.submitted()
    with pytest.raises(Forbidden):
        services.case_transition(case=case, actor=None, action="accept", by="某系统")
    case = f.act(f.approved(), "clerk", "issue")
    case = services.case_transition(
        case=case, actor=None, action="deliver", params={"delivery_mode": "window"}, by="自助终端"
    )
    event = case.last_transition.event
    assert case.state == State.DELIVERED and (event.actor_name, event.actor_role) == ("自助终端", "system")
