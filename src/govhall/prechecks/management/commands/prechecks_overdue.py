"""``manage.py prechecks_overdue``: remind the staff who answer 审前服务 requests past their reply
date (once per request, in-site). Run from cron daily, e.g. at 08:30 on working days."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "提醒答复已超过期限的审前服务申请（每个申请提醒一次）"

    def handle(self, *args, **options):
        from govhall.prechecks.services import remind_overdue

        self.stdout.write(f"审前服务超期提醒：{remind_overdue()} 件")
