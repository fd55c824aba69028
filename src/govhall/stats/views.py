"""The statistics pages: the dashboard (/stats/) and its workbook (/stats/export.xlsx).

Thin: parse the filter (``forms.parse_filter``), ask ``selectors.figures``, draw the charts
(``charts``). Hall managers, supervisors and administrators only; anyone else signed in gets
the site's 403 page, and a visitor is sent to sign in.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from govhall.audit import services as audit
from govhall.audit.models import Kind as AuditKind
from govhall.core import context_processors
from govhall.stats import charts, selectors, xlsx
from govhall.stats.forms import FilterError, parse_filter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _viewer(request) -> None:
    if not selectors.can_view(request.user):
        raise PermissionDenied("统计分析仅向大厅管理员、电子监察员和系统管理员开放")


def _charts(figures: selectors.Figures, big: bool = False) -> dict:
    t = figures.timeliness
    timing = [
        ("平均用时", t["average_workdays"] or 0),
        ("平均承诺时限", t["average_promised_days"] or 0),
        ("平均法定时限", t["average_statutory_days"] or 0),
    ]
    return {
        "daily": charts.line_chart(
            "chart-daily", "每日办件量", [(d["date"], d["count"]) for d in figures.by_day], big=big
        ),
        "channels": charts.bar_chart(
            "chart-channels", "各渠道办件量", [(c["label"], c["count"]) for c in figures.channels], big=big
        ),
        "departments": charts.bar_chart(
            "chart-departments", "各部门办件量", [(d["name"], d["count"]) for d in figures.departments], big=big
        ),
        "items": charts.bar_chart(
            "chart-items", "各事项办件量", [(i["name"], i["count"]) for i in figures.items], big=big
        ),
        "rates": charts.rate_bars(
            "chart-rates",
            "网办与跑动比率",
            [
                (r.label, r.rate, f"{'按事项' if r.basis == 'item' else '按办件'} {r.numerator}/{r.denominator}")
                for r in figures.rates
            ],
            big=big,
        ),
        "timing": charts.bar_chart("chart-timing", "办结用时与时限（工作日）", timing, unit="个工作日", big=big),
        "overdue": charts.bar_chart(
            "chart-overdue",
            "超期与容缺",
            [
                ("超期办结", figures.overdue["decided_late"]),
                ("当前超期未办结", figures.overdue["open_overdue"]),
                ("容缺受理办件", figures.deferrals["cases"]),
                ("容缺材料逾期未补齐", figures.deferrals["overdue"]),
            ],
            big=big,
        ),
    }


@login_required
@require_GET
def dashboard(request):
    _viewer(request)
    user = request.user
    context = {
        "regions": selectors.viewer_regions(user).order_by("code"),
        "departments": selectors.viewer_departments(user).order_by("order", "code"),
        "query": request.GET.urlencode(),
        "errors": {},
        "values": {key: request.GET.get(key, "") for key in ("start", "end", "region", "department")},
    }
    try:
        stats_filter = parse_filter(user, request.GET)
    except FilterError as exc:
        context["errors"] = exc.errors
        return render(request, "stats/dashboard.html", context, status=400)
    figures = selectors.dashboard(user, stats_filter)
    context["values"].update(start=stats_filter.start.isoformat(), end=stats_filter.end.isoformat())
    # 长辈模式 draws the charts with larger text and rows (the view box keeps its width)
    big = context_processors.display(request)["elder_mode"]
    context.update(figures=figures, charts=_charts(figures, big=big), percent=charts.percent)
    return render(request, "stats/dashboard.html", context)


@login_required
@require_GET
def export(request):
    _viewer(request)
    try:
        stats_filter = parse_filter(request.user, request.GET)
    except FilterError as exc:
        return HttpResponse("；".join(exc.errors.values()), status=400, content_type="text/plain; charset=utf-8")
    figures = selectors.figures(request.user, stats_filter)  # an export is computed fresh
    content = xlsx.export(figures)
    # exports are security events (docs/security.md), even of counts without personal data
    audit.record(
        kind=AuditKind.EXPORTED,
        request=request,
        data={"what": "statistics", **stats_filter.as_dict(), "bytes": len(content)},
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"statistics-{stats_filter.start:%Y%m%d}-{stats_filter.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
