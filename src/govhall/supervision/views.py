"""The supervisor's board (电子监察看板) and its pages: counts and lists of warnings by
department, item, window and staff; bulletins (通报); the weekly PDF report; the import of
专网办件. Thin: read through ``selectors``, change through ``services``/``imports``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from govhall.core.errors import DomainError
from govhall.supervision import imports, reports, selectors, services, sweep
from govhall.supervision.models import Level, Subject

LIST_LIMIT = 200


def _id(value: str | None) -> int | None:
    value = (value or "").strip()
    if 0 < len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)
    return None


def filters_from(params) -> selectors.Filters:
    level = params.get("level", "")
    subject = params.get("subject", "")
    return selectors.Filters(
        level=level if level in Level.values else "",
        subject=subject if subject in Subject.values else "",
        department=_id(params.get("department")),
        item=_id(params.get("item")),
        window=_id(params.get("window")),
        staff=_id(params.get("staff")),
        history=params.get("history") == "1",
    )


def _supervisor(request) -> None:
    if not selectors.may_supervise(request.user):
        raise PermissionDenied("只有电子监察员、大厅管理员或系统管理员可以查看电子监察看板")


@login_required
def board(request):
    _supervisor(request)
    filters = filters_from(request.GET)
    counts = selectors.board_counts(request.user, filters)
    alerts = selectors.board_alerts(request.user, filters)
    today = timezone.localdate()
    lines = [selectors.alert_line(a, today) for a in selectors.alert_page(alerts, 0, LIST_LIMIT)]
    peak = max([1, *(r["total"] for rows in counts["by"].values() for r in rows)])
    return render(
        request,
        "supervision/board.html",
        {
            "filters": filters,
            "counts": counts,
            "levels": [(value, label) for value, label in Level.choices],
            "subjects": Subject.choices,
            "lines": lines,
            "shown": len(lines),
            "total": sum(counts["totals"].values()),
            "peak": peak,
            "bulletins": selectors.visible_bulletins(request.user).select_related("department", "issued_by")[:20],
            "departments": selectors.departments_in_scope(request.user).order_by("order", "name"),
            "may_bulletin": selectors.may_issue_bulletins(request.user),
            "may_import": selectors.may_import(request.user),
            "today": today,
            "thresholds": sweep.thresholds(),
        },
    )


@login_required
@require_POST
def bulletin_create(request):
    _supervisor(request)
    try:
        services.bulletin_issue(
            actor=request.user,
            department_id=_id(request.POST.get("department")) or 0,
            text=request.POST.get("text", ""),
        )
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
        return redirect("supervision:board")
    messages.success(request, "通报已发布，已通知该部门人员")
    return redirect("supervision:board")


@login_required
def weekly_report(request):
    _supervisor(request)
    try:
        day = datetime.date.fromisoformat(request.GET["week"]) if request.GET.get("week") else timezone.localdate()
    except ValueError:
        return HttpResponse("日期格式应为YYYY-MM-DD", status=400, content_type="text/plain; charset=utf-8")
    data = reports.weekly_data(
        selectors.visible_alerts(request.user),
        selectors.visible_bulletins(request.user),
        scope_name=scope_name(request.user),
        day=day,
    )
    response = HttpResponse(reports.weekly_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="supervision-weekly-{data.monday:%Y%m%d}.pdf"'
    return response


def scope_name(user) -> str:
    from govhall.accounts import scope

    found = scope.reach(user)
    if found is None or found.everything:
        return "全部区域"
    profile = found.profile
    if found.role == "hall_manager" and profile.hall_id:
        return profile.hall.name
    region = profile.hall.region if profile.hall_id else profile.region
    return region.name if region else "本辖区"


@login_required
@require_http_methods(["GET", "POST"])
def import_cases(request):
    if not selectors.may_import(request.user):
        raise PermissionDenied("只有电子监察员或系统管理员可以导入专网办件")
    errors, batch, status = [], None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors, status = [imports.RowError(0, "", "请选择要导入的文件")], 400
        else:
            try:
                batch = imports.cases_import(actor=request.user, name=upload.name, content=upload.read())
            except imports.ImportRejected as exc:
                errors, status = exc.errors, 422
            else:
                messages.success(request, f"已导入{batch.rows}行：新增{batch.created}件，更新{batch.updated}件")
                return redirect("supervision:import")
    return render(
        request,
        "supervision/import.html",
        {
            "errors": errors[:500],
            "error_count": len(errors),
            "batches": selectors.import_batches(request.user)[:20],
            "columns": imports.COLUMNS,
        },
        status=status,
    )


@login_required
def import_template(request):
    if not selectors.may_import(request.user):
        raise PermissionDenied("只有电子监察员或系统管理员可以导入专网办件")
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="zhuanwang-banjian.csv"'
    return response
