from django.core.management.base import BaseCommand, CommandError

from govhall.core.registry import ProviderUnavailable


class Command(BaseCommand):
    help = (
        "Report the evaluations not yet sent to the national 好差评 platform through the configured "
        "reporter (GOVHALL_EVALUATION_REPORTER). Each is sent once; failures are retried on the next "
        "run. Run from cron (e.g. every 10 minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many evaluations per run")

    def handle(self, *args, limit: int, **options):
        from django.core.exceptions import ImproperlyConfigured

        from govhall.evaluations.services import report_pending

        if limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            done = report_pending(limit=limit)
        except (ImproperlyConfigured, ProviderUnavailable) as exc:
            raise CommandError(f"reporter not configured: {exc}") from exc
        self.stdout.write(f"reported: {done['sent']}, failed: {done['failed']}")
        if done["failed"]:
            self.stderr.write("some evaluations could not be reported; they are retried on the next run")
