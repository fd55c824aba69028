from django.core.management.base import BaseCommand, CommandError

from govhall.lockers.models import Cabinet
from govhall.lockers.services import cabinet_rotate_secret


class Command(BaseCommand):
    help = (
        "Give a cabinet a new secret and print it once, for the cabinet's configuration "
        "(the old secret stops working at once). The secret is derived from the server key "
        "(GOVHALL_LOCKER_KEY) and a fresh salt: it is not stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("cabinet", help="the cabinet's code")

    def handle(self, *args, **options):
        cabinet = Cabinet.objects.filter(code=options["cabinet"]).first()
        if cabinet is None:
            raise CommandError(f"no cabinet {options['cabinet']!r}")
        self.stdout.write(cabinet_rotate_secret(cabinet=cabinet))
