"""一窗受理: the general window takes a case in for an applicant standing at it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.cases import forms, services
from govhall.cases.views.applying import posted_form
from govhall.catalog import selectors as catalog_selectors
from govhall.core.errors import DomainError


def _intake_search(q: str) -> list:
    """Published items by implementation code (what the clerk reads off a form) or by name."""
    found = (
        list(catalog_selectors.published_items().filter(code__icontains=q).order_by("code")[:10]) if q.isascii() else []
    )
    codes = {i.code for i in found}
    found += [i for i in catalog_selectors.item_search(q=q, page_size=10).items if i.code not in codes]
    return found[:10]


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """一窗受理: the clerk picks the item, identifies or registers the applicant, and files."""
    if scope.staff_role(request.user) != Role.CLERK:
        raise PermissionDenied("窗口收件仅供综合窗口受理员使用")
    profile = scope.staff_profile(request.user)
    q = request.GET.get("q", "").strip()[:100]
    results = _intake_search(q) if q else []
    if request.htmx and request.method == "GET" and "q" in request.GET:
        return render(request, "cases/_intake_items.html", {"results": results, "q": q})
    code = request.POST.get("item") or request.GET.get("item") or ""
    item = catalog_selectors.item_get(code) if code else None
    form = forms.IntakeApplicantForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if item is None:
            error = "请先选择事项"
        elif not form.is_valid():
            error = "；".join(e for errors in form.errors.values() for e in errors)
        else:
            try:
                case, applicant, created = services.window_intake(
                    actor=request.user,
                    item_code=item.code,
                    applicant=services.IntakeApplicant(**form.cleaned_data),
                    **forms.posted_application(request.POST, item),
                )
            except DomainError as exc:
                error = exc.message
            else:
                who = "已登记新申请人" if created else "已找到申请人"
                messages.success(request, f"{who}“{applicant.name}”，办件草稿已创建：请扫描上传材料，提交后受理。")
                return redirect("cases:detail", case.number)
    answers = catalog_selectors.parse_answers(item, request.POST or request.GET) if item else {}
    posted = posted_form(request, item)
    context = {
        "q": q,
        "results": results,
        "item": item,
        "form": form,
        "error": error,
        "answers": answers,
        "materials": catalog_selectors.materials_for_answers(item, answers) if item else [],
        "hall": profile.hall if profile else None,
        "description": posted.get(forms.DESCRIPTION_KEY, ""),
        "rows": forms.form_rows(posted),
        "form_fields": forms.form_field_rows(item.form_fields, posted) if item else [],
    }
    return render(request, "cases/intake.html", context, status=400 if error else 200)
