"""Background work of supervision (Django tasks API; see settings.TASKS)."""

from django_tasks import task


@task()
def sweep() -> int:
    """The warning sweep (run daily, e.g. from ``manage.py supervision_sweep`` in cron or
    enqueued by a scheduler). Returns the warnings recorded."""
    from govhall.supervision.services import sweep_run

    return sweep_run().total
