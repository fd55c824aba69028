"""The 审前服务 pages: the list (staff: their scope's requests and the counts per period,
department and outcome; applicants: their own), asking for a precheck of a draft, the
precheck page (the draft read-only, the one notice, the reply form for whoever answers it),
and a draft's uploaded file for those who may see the precheck. Pages read through
``selectors`` and change through ``services``; a refused service's message is shown as is."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from govhall.accounts import scope
from govhall.core.errors import DomainError, NotFound
from govhall.prechecks import presenters, selectors, services
from govhall.prechecks.models import Finding, Outcome

REPLY_ROWS = 8


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409, 429) else 400


def _period(request) -> tuple[datetime.date, datetime.date, str]:
    today = timezone.localdate()
    start, end, error = today.replace(day=1), today, ""
    try:
        if request.GET.get("start"):
            start = datetime.date.fromisoformat(request.GET["start"])
        if request.GET.get("end"):
            end = datetime.date.fromisoformat(request.GET["end"])
    except ValueError:
        return today.replace(day=1), today, "日期格式不正确，已显示本月"
    if end < start or (end - start).days > 366:
        return today.replace(day=1), today, "统计区间应为一年以内，且结束日期不早于开始日期，已显示本月"
    return start, end, error


@login_required
def index(request):
    user = request.user
    staff = scope.staff_role(user) in selectors.STAFF
    context = {
        "staff": staff,
        "mine": [presenters.summary_out(r) for r in selectors.mine(user)[:100]],
        "today": timezone.localdate(),
    }
    if staff:
        start, end, error = _period(request)
        rows = selectors.counts(user, start, end)
        context.update(
            {
                "pending": [presenters.summary_out(r) for r in selectors.staff_list(user, "pending")[:200]],
                "replied": [presenters.summary_out(r) for r in selectors.staff_list(user, "replied")[:50]],
                "rows": rows,
                "totals": selectors.totals(rows),
                "start": start,
                "end": end,
                "period_error": error,
            }
        )
    return render(request, "prechecks/index.html", context)


@login_required
def new(request):
    case_number = (request.POST.get("case") or request.GET.get("case") or "").strip()
    bundle_number = (request.POST.get("bundle") or request.GET.get("bundle") or "").strip()
    error, status = "", 200
    if request.method == "POST":
        try:
            found = services.precheck_request(
                actor=request.user,
                case_number=case_number,
                bundle_case_number=bundle_number,
                question=request.POST.get("question", ""),
            )
            return redirect("prechecks:detail", found.number)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            error, status = exc.message, _status(exc)
    context = {
        "case": case_number,
        "bundle": bundle_number,
        "error": error,
        "reply_days": services.reply_workdays(),
    }
    return render(request, "prechecks/new.html", context, status=status)


def _findings_from(post) -> list[dict]:
    out = []
    for i in range(REPLY_ROWS):
        row = {k: (post.get(f"{k}_{i}") or "").strip() for k in ("kind", "target", "case_number", "problem", "needed")}
        if not (row["target"] or row["problem"] or row["needed"]):
            continue
        requirement = (post.get(f"requirement_{i}") or "").strip()
        row["requirement_id"] = int(requirement) if requirement.isdigit() and requirement.isascii() else None
        out.append(row)
    return out


@login_required
def detail(request, number: str, error: str = "", status: int = 200, posted=None):
    try:
        found = selectors.request_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    data = presenters.request_out(found, request.user)
    context = {
        "r": found,
        "data": data,
        "applicant_side": selectors.is_applicant_side(request.user, found),
        "error": error,
        "rows": range(REPLY_ROWS),
        "kinds": Finding.Kind.choices,
        "outcomes": Outcome.choices,
        "posted": posted or {},
    }
    return render(request, "prechecks/detail.html", context, status=status)


@login_required
@require_POST
def reply(request, number: str):
    try:
        services.precheck_reply(
            actor=request.user,
            request=number,
            outcome=request.POST.get("outcome", ""),
            findings=_findings_from(request.POST),
            summary=request.POST.get("summary", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return detail(request, number, error=exc.message, status=_status(exc), posted=request.POST)
    return redirect("prechecks:detail", number)


@login_required
@require_POST
def withdraw(request, number: str):
    try:
        services.precheck_withdraw(actor=request.user, request=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return detail(request, number, error=exc.message, status=_status(exc))
    return redirect("prechecks:detail", number)


@login_required
def material(request, number: str, material_id: int):
    """A draft's uploaded file, for whoever may see the precheck (the reviewer cannot open
    the draft case itself: staff never see drafts)."""
    try:
        found = selectors.request_for(request.user, number)
        stored = selectors.material_of(found, material_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(stored.file.open("rb"), content_type=stored.content_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
