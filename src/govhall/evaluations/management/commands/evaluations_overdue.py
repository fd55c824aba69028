from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Remind departments of 好差评 callback and rectification tasks past their due dates (once per "
        "stage). Run from cron daily, e.g. at 08:30."
    )

    def handle(self, *args, **options):
        from govhall.evaluations.services import remind_overdue

        self.stdout.write(f"reminded: {remind_overdue()}")
