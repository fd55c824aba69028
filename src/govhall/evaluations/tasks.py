"""Background work of the evaluation system (Django tasks API; run
``manage.py evaluations_report`` (e.g. every 10 minutes) and ``manage.py
evaluations_overdue`` (daily) from cron as well)."""

from django_tasks import task


@task()
def report_evaluations() -> int:
    """Report the evaluations not yet sent to the national platform; returns how many went."""
    from govhall.evaluations.services import report_pending

    return report_pending()["sent"]


@task()
def remind_overdue_tasks() -> int:
    """Remind departments of callback and rectification tasks past their due dates."""
    from govhall.evaluations.services import remind_overdue

    return remind_overdue()
