"""Background work of the evaluation system (Django tasks API; run
``manage.py evaluations_report`` from cron as well, e.g. every 10 minutes)."""

from django_tasks import task


@task()
def report_evaluations() -> int:
    """Report the evaluations not yet sent to the national platform; returns how many went."""
    from govhall.evaluations.services import report_pending

    return report_pending()["sent"]
