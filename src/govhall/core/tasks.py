"""Background work of the shared mechanisms (Django tasks API; see settings.TASKS)."""

from django_tasks import task


@task()
def deliver_event(name: str, payload: dict) -> list[str]:
    """Deliver one published event to its subscribers (``core.events``); returns the
    subscribers that failed (recorded for a retry)."""
    from govhall.core import events

    return events.deliver(events.rebuild(name, payload))


@task()
def retry_event_failures() -> tuple[int, int]:
    """Retry the failed deliveries that are due (run it every few minutes from cron or a
    scheduler, like ``sms_redeliver``)."""
    from govhall.core import events

    return events.retry_failures()
