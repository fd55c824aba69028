"""The weekly supervision report (电子监察周报) as a PDF (core/pdf.py), per scope: the warnings
recorded in the week by department, the cases overdue now, and the week's bulletins."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from govhall.core.masking import mask_name
from govhall.core.pdf import OfficialDocument, chinese_date
from govhall.supervision.models import Alert, Bulletin, Level
from govhall.supervision.selectors import alert_line, alert_page, current

OVERDUE_LIST_LIMIT = 300


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of ``day``'s week."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


@dataclass(frozen=True)
class WeeklyData:
    scope_name: str
    monday: datetime.date
    sunday: datetime.date
    by_department: list[dict]
    overdue: list
    overdue_total: int
    bulletins: list[Bulletin]


def weekly_data(
    alerts: QuerySet[Alert], bulletins: QuerySet[Bulletin], *, scope_name: str, day: datetime.date
) -> WeeklyData:
    monday, sunday = week_of(day)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(monday, datetime.time.min, tz)
    end = start + datetime.timedelta(days=7)
    week = alerts.filter(created_at__gte=start, created_at__lt=end).order_by()
    rows: dict[int, dict] = {}
    for row in week.values("department_id", "department__name", "level").annotate(n=Count("id")):
        entry = rows.setdefault(
            row["department_id"], {"name": row["department__name"], **dict.fromkeys(Level.values, 0)}
        )
        entry[row["level"]] = row["n"]
    standing = current(alerts.filter(level=Level.OVERDUE)).order_by("due_date", "id")
    return WeeklyData(
        scope_name=scope_name,
        monday=monday,
        sunday=sunday,
        by_department=sorted(rows.values(), key=lambda r: (-r[Level.OVERDUE], -r[Level.RED], r["name"])),
        overdue=[alert_line(a) for a in alert_page(standing, 0, OVERDUE_LIST_LIMIT)],
        overdue_total=standing.count(),
        bulletins=list(
            bulletins.filter(created_at__gte=start, created_at__lt=end)
            .select_related("department", "issued_by")
            .order_by("created_at")
        ),
    )


def weekly_pdf(data: WeeklyData) -> bytes:
    title = "电子监察周报"
    doc = OfficialDocument(
        title=title,
        header_left=data.scope_name,
        header_right=f"{data.monday:%Y-%m-%d}至{data.sunday:%Y-%m-%d}",
        subject="电子监察周报",
    )
    doc.title(subtitle=f"{data.scope_name}　{chinese_date(data.monday)}至{chinese_date(data.sunday)}")
    doc.heading("一、本周预警情况（按部门）")
    if data.by_department:
        doc.table(
            ["部门", "收件提醒", "黄色预警", "红色预警", "超时"],
            [
                [r["name"], str(r[Level.INTAKE]), str(r[Level.YELLOW]), str(r[Level.RED]), str(r[Level.OVERDUE])]
                for r in data.by_department
            ],
            widths=[0.4, 0.15, 0.15, 0.15, 0.15],
        )
    else:
        doc.paragraph("本周未记录预警。")
    doc.heading(f"二、当前超时办件（共{data.overdue_total}件）")
    if data.overdue:
        doc.table(
            ["办件编号", "事项", "部门", "申请人", "到期日", "超期天数"],
            [
                [
                    line.number,
                    line.item,
                    line.department,
                    line.applicant,
                    f"{line.due_date:%Y-%m-%d}",
                    str(line.overdue_days),
                ]
                for line in data.overdue
            ],
            widths=[0.19, 0.24, 0.18, 0.11, 0.16, 0.12],
        )
        if data.overdue_total > len(data.overdue):
            doc.small(f"仅列出前{len(data.overdue)}件，完整清单见电子监察看板。")
    else:
        doc.paragraph("当前无超时办件。")
    doc.heading(f"三、本周通报（共{len(data.bulletins)}份）")
    if data.bulletins:
        for b in data.bulletins:
            who = mask_name(b.issued_by.display_name or b.issued_by.username)
            doc.paragraph(
                f"{b.created_at.astimezone(timezone.get_current_timezone()):%Y-%m-%d %H:%M} 通报{b.department.name}"
                f"（超时{b.overdue_count}件，通报人{who}）：{b.text}"
            )
    else:
        doc.paragraph("本周未发布通报。")
    doc.small(f"生成时间：{timezone.localtime():%Y-%m-%d %H:%M}。申请人姓名已脱敏。")
    return doc.render()
