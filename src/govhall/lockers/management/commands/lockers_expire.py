from django.core.management.base import BaseCommand

from govhall.lockers.services import codes_expire


class Command(BaseCommand):
    help = (
        "End expired drop-off reservations (their cells are free) and tell applicants whose "
        "pick-up code expired. Run from cron (e.g. every 5 minutes)."
    )

    def handle(self, *args, **options):
        done = codes_expire()
        self.stdout.write(f"expired reservations: {done.reservations}, expired pick-up codes: {done.pickup_codes}")
