"""Demo supervision data (``manage.py load_demo``), after the cases (30) and the other demo
domains: the thresholds row, a batch of 专网办件 imported through the real import (due dates
around today, so the board shows yellow, red and overdue warnings), the sweep, and one
bulletin (通报) to the department with overdue cases.

Idempotent: the batch is imported again (updating the same numbers, due dates moved to the
new day) only when the last demo import was not today; the bulletin is issued once."""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from govhall.accounts.models import User
from govhall.core.demo import demo_loader
from govhall.supervision import imports, services, sweep
from govhall.supervision.models import Bulletin, ImportBatch
from govhall.workdays.selectors import get_calendar

DEMO_FILE = "演示-区市场监督管理局专网办件.csv"
FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
SELF_EMPLOYED = "000101004000-610104000000-000-11610104LH0000001G-1-00"
COMPANY_CHANGE = "000101002000-610104000000-000-11610104LH0000001G-1-00"
EIA = "000901001000-610104000000-000-11610104LH00000099-1-00"


def demo_rows(today) -> list[list[str]]:
    """(number, item, applicant, kind, channel, accepted, limit, due, concluded, state) rows: due
    dates relative to ``today``: overdue, red, yellow, on time, and concluded ones."""
    cal = get_calendar()
    ago = lambda n: (today - timezone.timedelta(days=n)).isoformat()  # noqa: E731
    ahead = lambda n: cal.add_workdays(today, n).isoformat()  # noqa: E731
    return [
        ["ZW-SCJG-0001", FOOD, "刘德明", "自然人", "窗口受理", f"{ago(20)} 09:40", "", ago(4), "", "已受理（审查中）"],
        [
            "ZW-SCJG-0002",
            SELF_EMPLOYED,
            "陈小红",
            "自然人",
            "网上申请",
            f"{ago(9)} 14:05",
            "",
            ago(1),
            "",
            "已受理（审查中）",
        ],
        [
            "ZW-SCJG-0003",
            COMPANY_CHANGE,
            "西安汉唐文化传播有限公司",
            "法人",
            "窗口受理",
            f"{ago(6)} 10:20",
            "",
            ahead(1),
            "",
            "已受理（审查中）",
        ],
        ["ZW-SCJG-0004", FOOD, "王建国", "自然人", "帮办代办", f"{ago(5)} 11:00", "", ahead(2), "", "已受理（审查中）"],
        [
            "ZW-SCJG-0005",
            FOOD,
            "西安鼓楼餐饮管理有限公司",
            "法人",
            "网上申请",
            f"{ago(2)} 15:30",
            "",
            ahead(12),
            "",
            "已受理（审查中）",
        ],
        [
            "ZW-SCJG-0006",
            SELF_EMPLOYED,
            "赵丽",
            "自然人",
            "窗口受理",
            f"{ago(30)} 09:10",
            "5",
            "",
            f"{ago(24)} 16:00",
            "已送达",
        ],
        [
            "ZW-SCJG-0007",
            COMPANY_CHANGE,
            "西安长安数码有限公司",
            "法人",
            "网上申请",
            f"{ago(40)} 10:00",
            "3",
            "",
            f"{ago(36)} 11:30",
            "已办结（待送达）",
        ],
        [
            "ZW-HB-0001",
            EIA,
            "西安秦岭环保科技有限公司",
            "法人",
            "窗口受理",
            f"{ago(25)} 09:00",
            "",
            ago(2),
            "",
            "已受理（审查中）",
        ],
    ]


def demo_csv(today) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS)
    writer.writerows(demo_rows(today))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _summary(made: dict) -> str | None:
    parts = []
    if made.get("imported"):
        parts.append(f"导入专网办件 {made['imported']} 件")
    if made.get("warnings"):
        parts.append(f"记录预警 {made['warnings']} 条")
    if made.get("bulletin"):
        parts.append("发布通报 1 份")
    return "电子监察：" + "，".join(parts) if parts else None


@demo_loader(order=70, summary=_summary)
def load() -> dict:
    sweep.thresholds()  # the row the admin edits
    supervisor = User.objects.get(username="supervisor")
    today = timezone.localdate()
    made: dict = {}
    last = ImportBatch.objects.filter(file_name=DEMO_FILE).order_by("-created_at").first()
    if last is None or timezone.localtime(last.created_at).date() != today:
        batch = imports.cases_import(actor=supervisor, name=DEMO_FILE, content=demo_csv(today))
        made["imported"] = batch.rows
    made["warnings"] = services.sweep_run(today=today).total
    if not Bulletin.objects.filter(issued_by=supervisor).exists():
        from govhall.catalog.models import Department

        department = Department.objects.filter(items__code=FOOD).first()
        if department is not None:
            services.bulletin_issue(
                actor=supervisor,
                department_id=department.pk,
                text="你单位有专网办件超过承诺时限未办结，请于3个工作日内说明原因、办结超时办件，并将整改情况报区政务服务中心电子监察室。",
            )
            made["bulletin"] = True
    return made
