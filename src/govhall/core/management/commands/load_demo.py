from django.conf import settings
from django.core.management.base import BaseCommand

from govhall.core import demo


class Command(BaseCommand):
    help = "Load the demo data each app registers: region, catalogue, accounts, cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, **options):
        accounts: list[tuple[str, str]] = []
        for loader in demo.loaders():
            result = loader.load()
            line = loader.summary(result)
            if line:
                self.stdout.write(line)
            accounts.extend(loader.accounts(result))
        if not options["quiet_accounts"]:
            self.stdout.write(f"演示账户（密码均为 {settings.GOVHALL_DEMO_PASSWORD}）：")
            for username, description in accounts:
                self.stdout.write(f"  {username:<11} {description}")
