"""``manage.py queues_close_day [--date YYYY-MM-DD]``: 闭厅清号, the daily close of the queues:
tickets of earlier days still waiting, called, being served or parked become 当日未办结 and
their windows are free. Run from cron after closing time (e.g. 19:00) or before opening."""

import datetime

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "闭厅清号：将此前各日仍在等候、叫号、办理或挂起的排队号记为当日未办结"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="清理此日期之前的排队号（默认今天），YYYY-MM-DD")

    def handle(self, *args, **options):
        from govhall.queues.services import close_days

        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为YYYY-MM-DD：{options['date']}") from exc
        count = close_days(today=today)
        self.stdout.write(f"闭厅清号：{count} 个排队号记为当日未办结")
