from django.conf import settings
from django.core.management.base import BaseCommand

from govhall.accounts import demo as accounts_demo
from govhall.cases import demo as cases_demo
from govhall.catalog import demo as catalog_demo


class Command(BaseCommand):
    help = "Load the demo region, catalogue and accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, **options):
        result = catalog_demo.load()
        self.stdout.write(
            f"事项库：新增 {len(result.created)} 项，修订 {len(result.revised)} 项，未变化 {len(result.unchanged)} 项"
        )
        accounts = accounts_demo.load()
        created = cases_demo.load()
        if created:
            self.stdout.write(f"演示办件：新增 {created} 件")
        if not options["quiet_accounts"]:
            self.stdout.write(f"演示账户（密码均为 {settings.GOVHALL_DEMO_PASSWORD}）：")
            for a in accounts:
                self.stdout.write(f"  {a.username:<11} {a.description}")
