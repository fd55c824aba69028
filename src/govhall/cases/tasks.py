"""Background work of the cases app (Django tasks API; see settings.TASKS)."""

from django_tasks import task


@task()
def recompute_deadlines() -> int:
    """Recompute open cases' due dates after the working-day calendar changed."""
    from govhall.cases.services import deadlines_recompute

    return deadlines_recompute()
