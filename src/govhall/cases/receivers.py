"""When the working-day calendar changes, open cases' due dates may move: recompute them in
the background (the signals are sent after the calendar's transaction commits)."""

from django.dispatch import receiver

from govhall.workdays.signals import arrangement_entered, calendar_changed


@receiver(arrangement_entered, dispatch_uid="cases.arrangement_entered")
@receiver(calendar_changed, dispatch_uid="cases.calendar_changed")
def calendar_updated(sender, **kwargs) -> None:
    from govhall.cases.tasks import recompute_deadlines

    recompute_deadlines.enqueue()
