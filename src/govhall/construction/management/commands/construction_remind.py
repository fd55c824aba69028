"""``manage.py construction_remind``: remind the invited departments and the builder of each
joint site inspection (联合踏勘) due within a day, once per time set. Run from cron hourly."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "提醒一天内将进行的联合踏勘（参加部门和建设单位，每次安排提醒一次）"

    def handle(self, *args, **options):
        from govhall.construction.services import inspection_remind

        self.stdout.write(f"联合踏勘提醒：{inspection_remind()} 项")
