"""Background work of appointments (Django tasks API; see settings.TASKS)."""

from django_tasks import task


@task()
def sweep_no_shows() -> int:
    """Mark appointments not checked in by the end of their slot (plus grace) as no-shows."""
    from govhall.appointments.services import no_show_sweep

    return no_show_sweep()


@task()
def send_reminders() -> int:
    """Remind applicants of appointments starting within a day."""
    from govhall.appointments.services import reminder_sweep

    return reminder_sweep()
