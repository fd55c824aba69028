"""manage.py supervision_sweep [--date YYYY-MM-DD] [--no-notify] [--enqueue]: record the
warnings due (yellow, red, overdue) for every open case, deferral, 告知承诺 verification and
imported case, once each, and notify the responsible staff. Run from cron, e.g. daily 07:30
and 13:00 on working days."""

import datetime

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "电子监察预警扫描：记录黄色、红色预警和超时，并通知责任人员"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按此日期扫描（默认今天），YYYY-MM-DD")
        parser.add_argument("--no-notify", action="store_true", help="只记录预警，不发通知")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务队列执行")

    def handle(self, *args, **options):
        from govhall.supervision.services import sweep_run
        from govhall.supervision.tasks import sweep

        if options["enqueue"]:
            sweep.enqueue()
            self.stdout.write("已提交后台任务")
            return
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为YYYY-MM-DD：{options['date']}") from exc
        result = sweep_run(today=today, notify=not options["no_notify"])
        recorded = "，".join(f"{k} {v}" for k, v in result.recorded.items())
        self.stdout.write(f"{result.today} 预警扫描：新记录{result.total}条（{recorded}），通知{result.notified}条")
