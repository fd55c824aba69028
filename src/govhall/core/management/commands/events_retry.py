from django.core.management.base import BaseCommand

from govhall.core.events import retry_failures


class Command(BaseCommand):
    help = "Retry event subscribers that failed and are due (run every few minutes from cron)."

    def handle(self, *args, **options):
        succeeded, failing = retry_failures()
        self.stdout.write(f"重试成功 {succeeded} 项，仍失败 {failing} 项")
