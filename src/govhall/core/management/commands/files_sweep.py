from django.core.management.base import BaseCommand

from govhall.core.files import GRACE, orphans, sweep


class Command(BaseCommand):
    help = "Delete stored files no row refers to (left by requests that died before their commit); run daily from cron."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list them, delete nothing")
        parser.add_argument(
            "--grace-minutes", type=int, default=int(GRACE.total_seconds() // 60), help="leave younger files alone"
        )

    def handle(self, *args, **options):
        import datetime

        grace = datetime.timedelta(minutes=max(5, options["grace_minutes"]))
        names = orphans(grace=grace) if options["dry_run"] else sweep(grace=grace)
        for name in names:
            self.stdout.write(name)
        verb = "可删除" if options["dry_run"] else "已删除"
        self.stdout.write(f"{verb}无主文件 {len(names)} 个")
