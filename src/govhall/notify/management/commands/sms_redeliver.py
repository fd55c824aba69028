import datetime as dt

from django.core.management.base import BaseCommand

from govhall.notify.services import SMS_MAX_ATTEMPTS, sms_redeliver


class Command(BaseCommand):
    help = "Enqueue SMS left pending or failed; clear expired one-time codes (cron, e.g. every 10 minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--stale-minutes", type=int, default=10, help="pending for at least this long")
        parser.add_argument(
            "--max-attempts", type=int, default=SMS_MAX_ATTEMPTS, help="failed and tried fewer times than this"
        )

    def handle(self, *args, stale_minutes: int, max_attempts: int, **options):
        count = sms_redeliver(stale_after=dt.timedelta(minutes=stale_minutes), max_attempts=max_attempts)
        self.stdout.write(f"{count} SMS enqueued")
