"""core.events: typed events delivered after commit to registered subscribers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from govhall.core import events
from govhall.core.models import EventFailure

pytestmark = pytest.mark.django_db


@events.event
@dataclass(frozen=True)
class Pinged(events.Event):
    name = "tests.pinged"

    thing_id: int


@pytest.fixture
def received():
    got: list[int] = []
    events.subscribe(Pinged, name="tests.ping_receiver")(lambda event: got.append(event.thing_id))
    yield got
    events.unsubscribe("tests.ping_receiver")


def test_delivered_after_commit_only(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Pinged(thing_id=1))
        assert received == []
    assert received == [1]
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        with pytest.raises(RuntimeError), transaction.atomic():
            events.publish(Pinged(thing_id=2))
            raise RuntimeError("rolled back")
    assert waiting == [] and received == [1]  # a rolled-back change publishes nothing


def test_no_subscriber_costs_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        events.publish(Pinged(thing_id=3))
    assert waiting == []


def test_names_are_unique():
    with pytest.raises(ValueError, match="unique"):

        @events.event
        @dataclass(frozen=True)
        class Other(events.Event):
            name = "tests.pinged"

    events.subscribe(Pinged, name="tests.once")(print)
    try:
        with pytest.raises(ValueError, match="registered already"):
            events.subscribe(Pinged, name="tests.once")(repr)
    finally:
        events.unsubscribe("tests.once")


def test_with_the_database_task_queue_the_delivery_commits_with_the_change(
    settings, received, django_capture_on_commit_callbacks
):
    """GOVHALL_TASKS=db: a task row in the publisher's transaction (an outbox), run by the worker."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Pinged(thing_id=4))
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("the change fails")
    assert not DBTaskResult.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        events.publish(Pinged(thing_id=5))
    assert waiting == []
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "govhall.core.events.deliver_event"
    assert queued.task.call(*queued.args_kwargs["args"]) == [] and received == [5]


def test_failures_are_recorded_and_given_up_after_the_last_attempt(received, django_capture_on_commit_callbacks):
    def boom(event):
        raise ValueError("down")

    events.subscribe(Pinged, name="tests.boom")(boom)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish(Pinged(thing_id=6))
        assert received == [6]
        failure = EventFailure.objects.get(subscriber="tests.boom")
        for _ in range(events.MAX_ATTEMPTS + 2):
            failure.refresh_from_db()
            events.retry_failures(now=failure.next_attempt_at)
        failure.refresh_from_db()
        assert failure.attempts == events.MAX_ATTEMPTS and failure.resolved_at is None
        assert "ValueError: down" in failure.error
    finally:
        events.unsubscribe("tests.boom")
