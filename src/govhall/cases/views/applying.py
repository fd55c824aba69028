"""Applying online and 我的办件."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from govhall.accounts import scope
from govhall.accounts.models import Applicant
from govhall.cases import forms, selectors, services
from govhall.cases.models import Channel
from govhall.cases.views.common import PAGE_SIZE, rows
from govhall.catalog import selectors as catalog_selectors
from govhall.catalog.models import Channel as ItemChannel
from govhall.core.errors import DomainError


def posted_form(request, item) -> dict:
    """What the applicant typed into the application form, to show it again after an error."""
    if request.method != "POST":
        return {}
    try:
        return forms.application_form(request.POST, item.form_fields if item else None)
    except DomainError:
        return {}


def _applicants_for(user, item) -> tuple[list[Applicant], str]:
    """The applicants the user may file this item for, and an error when there is none."""
    try:
        candidates = [services.applicant_for(user)]
    except DomainError as exc:
        if exc.code != "applicant_ambiguous":
            return [], exc.message
        candidates = sorted(scope.represented(user), key=lambda a: (a.kind, a.id))
    fitting = [a for a in candidates if (item.for_natural if a.kind == Applicant.Kind.NATURAL else item.for_legal)]
    if not fitting:
        kinds = "、".join(a.get_kind_display() for a in candidates)
        return [], f"该事项的服务对象为{item.get_applicant_type_display()}，您的申请人身份（{kinds}）不符"
    return fitting, ""


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, code: str):
    item = catalog_selectors.item_get(code)
    applicants, blocked = _applicants_for(request.user, item)
    if not blocked and ItemChannel.ONLINE not in (item.channels or []):
        blocked = "该事项暂不支持网上申请，请携带材料到政务服务大厅窗口办理"
    source = request.POST if request.method == "POST" else request.GET
    answers = catalog_selectors.parse_answers(item, source)
    error = ""
    if request.method == "POST" and not blocked:
        try:
            applicant_id = request.POST.get("applicant", "")
            applicant = services.applicant_for(request.user, int(applicant_id) if applicant_id.isdigit() else None)
            case = services.case_create(
                actor=request.user,
                item_code=item.code,
                applicant=applicant,
                **forms.posted_application(request.POST, item),
                channel=Channel.ONLINE,
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "申请已保存为草稿。请按材料清单上传材料，然后提交申请。")
            return redirect("cases:detail", case.number)
    posted = posted_form(request, item)
    context = {
        "item": item,
        "applicants": applicants,
        "chosen_applicant": request.POST.get("applicant", ""),
        "blocked": blocked,
        "error": error,
        "answers": answers,
        "materials": catalog_selectors.materials_for_answers(item, answers),
        "description": posted.get(forms.DESCRIPTION_KEY, ""),
        "rows": forms.form_rows(posted),
        "form_fields": forms.form_field_rows(item.form_fields, posted),
    }
    return render(request, "cases/apply.html", context, status=400 if error else 200)


@login_required
@require_GET
def my_cases(request):
    qs = selectors.list_queryset(request.user, mine=True)  # staff too: what they filed, not their office's
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/mine.html", {"page": page, "rows": rows(page.object_list)})
