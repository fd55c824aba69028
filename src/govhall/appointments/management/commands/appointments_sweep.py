"""``manage.py appointments_sweep``: mark appointments nobody checked in for as no-shows and
send the day-before reminders (run from cron every few minutes during opening hours, or
enqueue ``appointments.tasks.sweep_no_shows`` and ``appointments.tasks.send_reminders``)."""

from django.core.management.base import BaseCommand

from govhall.appointments.services import no_show_sweep, reminder_sweep


class Command(BaseCommand):
    help = "将过了签到时间仍未签到的预约记为爽约，并发送预约前一天的提醒"

    def handle(self, *args, **options):
        count = no_show_sweep()
        reminded = reminder_sweep()
        self.stdout.write(f"记为爽约：{count} 个预约；发送提醒：{reminded} 个预约")
