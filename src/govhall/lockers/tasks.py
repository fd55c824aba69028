"""Background work of the lockers (Django tasks API; run ``manage.py lockers_expire`` from
cron as well, e.g. every 5 minutes)."""

from django_tasks import task


@task()
def expire_codes() -> int:
    """End expired drop-off reservations and tell applicants whose pick-up codes expired."""
    from govhall.lockers.services import codes_expire

    done = codes_expire()
    return done.reservations + done.pickup_codes
