"""Typed domain events, delivered after commit to the subscribers other apps register.

An app that owns a change (the cases app moving a case) *publishes* a typed event inside
the transaction that made the change; apps that care (notices to the applicant, bundles,
supervision, statistics…) *subscribe* to it and never reach into the publisher's code.

* An event is a frozen dataclass of ids and plain values (``Event`` subclasses), never ORM
  objects: a subscriber reads what it needs itself, after the commit, so it sees committed
  rows only (Open Forms passes ids to its post-submission hooks for the same reason).
* Delivery happens after the publisher's transaction commits; a rolled-back change
  publishes nothing. Each subscriber runs in its own transaction: one that fails rolls back
  its own writes only, never the publisher's change nor another subscriber's, and the
  failure is recorded (``EventFailure``) and retried (``manage.py events_retry``, also a
  periodic task) until it succeeds or gives up after ``MAX_ATTEMPTS``.
* When the task queue lives in our own database (``GOVHALL_TASKS=db``), the delivery is a
  task row written in the publisher's transaction (a transactional outbox: both commit or
  neither does, so a crash right after the commit loses no event); otherwise it runs in
  ``transaction.on_commit`` in this process.

Subscribers must tolerate being called again for the same event (a retry after a crash
between their commit and the record of it): at least once, not exactly once.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("govhall.events")

MAX_ATTEMPTS = 6
# Waiting time before the n-th retry (minutes): 1, 4, 16, 64, 256.
RETRY_BASE_MINUTES = 1


@dataclass(frozen=True)
class Event:
    """Base of every domain event. Subclasses set ``name`` (``"<app>.<what happened>"``)
    and declare their fields: ids and plain JSON values only."""

    name: ClassVar[str] = ""

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Subscriber:
    name: str  # stable: failures are recorded and retried under it
    event: type[Event]
    handler: Callable[[Any], None]


_EVENTS: dict[str, type[Event]] = {}
_SUBSCRIBERS: dict[str, Subscriber] = {}


def event(cls: type[E]) -> type[E]:
    """Class decorator: make ``cls`` a known event type (its ``name`` must be unique)."""
    if not cls.name or (cls.name in _EVENTS and _EVENTS[cls.name] is not cls):
        raise ValueError(f"event {cls.__name__} needs a unique name, not {cls.name!r}")
    _EVENTS[cls.name] = cls
    return cls


def subscribe(event_type: type[E], *, name: str) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Decorator: call the function with every ``event_type`` event after its commit.
    Register at import time of a module the app's ``AppConfig.ready`` imports."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        known = _SUBSCRIBERS.get(name)
        if known is not None and known.handler is not handler:
            raise ValueError(f"a subscriber named {name!r} is registered already")
        _SUBSCRIBERS[name] = Subscriber(name=name, event=event_type, handler=handler)
        return handler

    return register


def unsubscribe(name: str) -> None:
    """Remove a subscriber (tests)."""
    _SUBSCRIBERS.pop(name, None)


def subscribers_of(event_type: type[Event]) -> list[Subscriber]:
    return [s for s in _SUBSCRIBERS.values() if s.event is event_type]


def publish(published: Event) -> None:
    """Publish ``published`` from inside the transaction that made the change (or none):
    its subscribers run after the commit."""
    if not subscribers_of(type(published)):
        return
    if _queue_in_our_database():
        deliver_event.enqueue(published.name, published.payload())  # commits with the change
    else:
        transaction.on_commit(lambda: deliver(published), robust=True)


def _queue_in_our_database() -> bool:
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[deliver_event.backend], DatabaseBackend)


def rebuild(name: str, payload: dict[str, Any]) -> Event:
    """The event a task or a failure row carries, from its name and payload."""
    return _EVENTS[name](**payload)


def deliver(delivered: Event, *, only: str | None = None) -> list[str]:
    """Run the event's subscribers (or the one named ``only``), each in its own transaction;
    record each failure for a retry. Returns the names of the subscribers that failed."""
    failed = []
    for subscriber in subscribers_of(type(delivered)):
        if only is not None and subscriber.name != only:
            continue
        try:
            with transaction.atomic():
                subscriber.handler(delivered)
        except Exception as exc:
            failed.append(subscriber.name)
            logger.exception("subscriber %s failed on %s", subscriber.name, delivered.name)
            _record_failure(subscriber.name, delivered, exc)
    return failed


def _record_failure(subscriber: str, failed: Event, exc: Exception) -> None:
    from govhall.core.models import EventFailure

    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    EventFailure.objects.create(
        subscriber=subscriber,
        event=failed.name,
        payload=failed.payload(),
        error=error,
        attempts=1,
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=RETRY_BASE_MINUTES),
    )


def retry_failures(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Try again the recorded failures that are due. Returns (succeeded, still failing)."""
    from govhall.core.models import EventFailure

    now = now or timezone.now()
    succeeded = failing = 0
    due = EventFailure.objects.filter(resolved_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
    for failure in due.order_by("id"):
        subscriber = _SUBSCRIBERS.get(failure.subscriber)
        if subscriber is None or failure.event not in _EVENTS:
            failure.error = f"subscriber or event no longer registered: {failure.subscriber} / {failure.event}"
            failure.attempts = MAX_ATTEMPTS
            failure.save(update_fields=["error", "attempts"])
            failing += 1
            continue
        try:
            with transaction.atomic():
                subscriber.handler(rebuild(failure.event, failure.payload))
        except Exception as exc:
            failure.attempts += 1
            failure.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
            failure.next_attempt_at = now + datetime.timedelta(minutes=RETRY_BASE_MINUTES * 4 ** (failure.attempts - 1))
            failure.save(update_fields=["attempts", "error", "next_attempt_at"])
            logger.warning(
                "subscriber %s failed again on %s (attempt %d)", failure.subscriber, failure.event, failure.attempts
            )
            failing += 1
        else:
            failure.resolved_at = now
            failure.save(update_fields=["resolved_at"])
            succeeded += 1
    return succeeded, failing


# --------------------------------------------------------------------------- background tasks
# Defined here, not in a tasks module, so that publishing and delivering do not import each
# other (the layers contract forbids cycles).


@task()
def deliver_event(name: str, payload: dict) -> list[str]:
    """Deliver one published event to its subscribers; returns the subscribers that failed
    (recorded for a retry)."""
    return deliver(rebuild(name, payload))


@task()
def retry_event_failures() -> tuple[int, int]:
    """Retry the failed deliveries that are due (run it every few minutes from cron or a
    scheduler, like ``sms_redeliver``)."""
    return retry_failures()
