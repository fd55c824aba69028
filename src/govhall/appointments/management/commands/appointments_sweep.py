"""``manage.py appointments_sweep``: mark appointments nobody checked in for as no-shows (run
from cron every few minutes during opening hours, or enqueue ``appointments.tasks.sweep_no_shows``)."""

from django.core.management.base import BaseCommand

from govhall.appointments.services import no_show_sweep


class Command(BaseCommand):
    help = "将过了签到时间仍未签到的预约记为爽约"

    def handle(self, *args, **options):
        count = no_show_sweep()
        self.stdout.write(f"记为爽约：{count} 个预约")
