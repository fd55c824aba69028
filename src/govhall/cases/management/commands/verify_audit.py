"""Check every case's timeline hash chain; report the first broken link of each case."""

from django.core.management.base import BaseCommand, CommandError

from govhall.cases.audit import verify_chains


class Command(BaseCommand):
    help = "校验办件轨迹的哈希链：报告第一个被篡改或缺失的环节"

    def add_arguments(self, parser):
        parser.add_argument("--case", help="只校验这个办件编号")

    def handle(self, *args, **options):
        problems, checked = verify_chains(number=options.get("case"))
        for problem in problems:
            self.stderr.write(problem.describe())
        if problems:
            raise CommandError(f"{len(problems)} 个办件的轨迹被篡改（共校验 {checked} 个办件）")
        self.stdout.write(f"OK：{checked} 个办件的轨迹哈希链完整")
