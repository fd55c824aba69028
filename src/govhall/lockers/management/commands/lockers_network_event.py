from django.core.management.base import BaseCommand, CommandError

from govhall.core.errors import DomainError
from govhall.lockers.services import network_event


class Command(BaseCommand):
    help = (
        "Report an event of a locker network's parcel as the network's callback would "
        "(for the local stand-in locker_network_local: the demo's network point)."
    )

    def add_arguments(self, parser):
        parser.add_argument("parcel", help="the network's parcel number (件号), e.g. QC000012345678")
        parser.add_argument("event", choices=["dropped_off", "picked_up", "expired"])
        parser.add_argument("--provider", default="locker_network_local")

    def handle(self, *args, **options):
        try:
            parcel = network_event(provider=options["provider"], reference=options["parcel"], event=options["event"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(f"{parcel.reference}: {parcel.get_status_display()}")
