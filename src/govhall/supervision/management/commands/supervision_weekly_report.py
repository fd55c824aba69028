"""manage.py supervision_weekly_report [--region CODE] [--week YYYY-MM-DD] [--out DIR]: write
the weekly supervision report (电子监察周报) PDF for a region and the regions below it (default:
every top region with departments), for the week containing --week (default: last week). Run
from cron on Monday mornings, e.g. ``30 7 * * 1``."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "生成电子监察周报（PDF）"

    def add_arguments(self, parser):
        parser.add_argument("--region", help="区划代码（默认：每个有部门的顶层区划）")
        parser.add_argument("--week", help="该周内的任一日期，YYYY-MM-DD（默认上周）")
        parser.add_argument("--out", default=".", help="输出目录")

    def handle(self, *args, **options):
        from govhall.catalog.models import Region
        from govhall.catalog.selectors import region_and_below
        from govhall.supervision import reports
        from govhall.supervision.models import Alert, Bulletin

        try:
            day = (
                datetime.date.fromisoformat(options["week"])
                if options["week"]
                else timezone.localdate() - datetime.timedelta(days=7)
            )
        except ValueError as exc:
            raise CommandError(f"日期格式应为YYYY-MM-DD：{options['week']}") from exc
        if options["region"]:
            regions = list(Region.objects.filter(code=options["region"]))
            if not regions:
                raise CommandError(f"没有区划代码为{options['region']}的区划")
        else:
            regions = list(Region.objects.filter(parent__isnull=True).order_by("code"))
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        for region in regions:
            ids = list(region_and_below(region.pk))
            data = reports.weekly_data(
                Alert.objects.filter(region_id__in=ids),
                Bulletin.objects.filter(region_id__in=ids),
                scope_name=region.name,
                day=day,
            )
            path = out / f"supervision-weekly-{region.code}-{data.monday:%Y%m%d}.pdf"
            path.write_bytes(reports.weekly_pdf(data))
            self.stdout.write(f"{path}")
