"""The bundle-case pages: 我的一件事 (``index``), the apply page of one bundle (``apply``:
situation questions, the one form, the one set of materials, delivery) and the bundle-case
page (``case``: overall progress, each member's state and department as far as the viewer
may see, the one correction notice, the deadline; uploads, submit, withdraw, 统一送达).

Pages read through ``selectors``/``presenters`` and change through ``services``; a refused
service's message is shown as is."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.bundles import presenters, selectors, services
from govhall.bundles.models import Delivery
from govhall.cases import forms as case_forms
from govhall.cases import services as case_services
from govhall.catalog import bundles as catalog_bundles
from govhall.catalog.models import DeliveryMode
from govhall.core.errors import DomainError, NotFound


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409, 429) else 400


@login_required
def index(request):
    return render(request, "bundles/index.html", {"bundle_cases": selectors.list_for(request.user)[:100]})


@login_required
def intake(request):
    """一件事窗口收件: the general window picks the bundle a walk-in applicant came for."""
    if scope.staff_role(request.user) != Role.CLERK:
        raise PermissionDenied("一件事窗口收件仅供综合窗口受理员使用")
    found = catalog_bundles.published_bundles().order_by("life_stage", "code")
    return render(request, "bundles/intake.html", {"bundles": found})


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, code: str):
    data = request.POST if request.method == "POST" else request.GET
    try:
        bundle, answers, applying, fields = services.plan(code, {k: v for k, v in data.items()})
    except NotFound as exc:
        raise Http404(exc.message) from exc
    error, errors, status = "", {}, 200
    form_values = {f.name: data.get(f"f_{i}", "") for i, f in enumerate(fields)}
    # 一窗受理: a general-window clerk files the whole bundle for the applicant at the window
    at_window = scope.staff_role(request.user) == Role.CLERK
    intake_form = case_forms.IntakeApplicantForm(request.POST or None) if at_window else None
    if request.method == "POST" and data.get("action") == "create":
        filing = {
            "bundle_code": code,
            "answers": answers,
            "form": {k: v for k, v in form_values.items() if v != ""},
            "delivery": data.get("delivery") or Delivery.TOGETHER,
            "delivery_mode": data.get("delivery_mode") or "",
        }
        try:
            if intake_form is None:
                applicant = case_services.applicant_for(request.user)
                bundle_case = services.bundle_case_create(actor=request.user, applicant=applicant, **filing)
            elif not intake_form.is_valid():
                problems = [e for errs in intake_form.errors.values() for e in errs]
                raise DomainError("；".join(problems), code="invalid_applicant")
            else:
                bundle_case, applicant, created = services.bundle_window_intake(
                    actor=request.user, applicant=case_services.IntakeApplicant(**intake_form.cleaned_data), **filing
                )
                who = "已登记新申请人" if created else "已找到申请人"
                messages.success(
                    request, f"{who}“{applicant.name}”，一件事草稿已创建：请扫描上传材料，提交后一窗受理。"
                )
            return redirect("bundles:case", bundle_case.number)
        except DomainError as exc:
            error, status = exc.message, _status(exc)
            errors = exc.detail if isinstance(exc.detail, dict) else {}
    items = [item for _, item in applying]
    materials = catalog_bundles.unified_materials(bundle, items)
    own = [] if at_window else scope.represented(request.user)
    # 免提交 only where this applicant's licence library holds the licence (one applicant:
    # a person, or an operator of one company; else the page cannot know whose library)
    lacking = selectors.library_lacks(own[0] if len(own) == 1 else None, materials)
    modes = [m for m in DeliveryMode.values if all(m in (i.delivery_modes or ["window"]) for i in items)]
    context = {
        "bundle": bundle,
        "situations": [
            {"situation": s, "chosen": answers.get(s.id), "options": list(s.options.all())}
            for s in bundle.situations.all()
        ],
        "applying": applying,
        "fields": [
            {"index": i, "field": f, "value": form_values[f.name], "error": errors.get(f.name, "")}
            for i, f in enumerate(fields)
        ],
        "materials": [{"m": m, "lacking": m.name in lacking} for m in materials],
        "library_known": len(own) == 1,
        "intake_form": intake_form,
        "limit": catalog_bundles.bundle_limit(items),
        "deliveries": Delivery.choices,
        "modes": [(m, DeliveryMode(m).label) for m in modes],
        "error": error,
    }
    return render(request, "bundles/apply.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case(request, number: str):
    try:
        bundle_case = selectors.bundle_case_for_actor(number, request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    error, done, status = "", "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "upload":
                upload = request.FILES.get("file")
                if upload is None:
                    raise DomainError("请选择要上传的文件", code="missing_field")
                services.bundle_material_add(
                    actor=request.user, bundle_case=bundle_case, name=request.POST.get("name", ""), upload=upload
                )
                done = "材料已上传，并附到需要它的每个事项"
            elif action == "submit":
                services.bundle_case_submit(actor=request.user, bundle_case=bundle_case)
                done = "已提交，各事项由各部门并联审批"
            elif action == "withdraw":
                services.bundle_case_withdraw(actor=request.user, bundle_case=bundle_case)
                done = "尚未办结的事项已全部撤回"
            elif action == "prereview":
                corrections = {}
                for m in selectors.members(bundle_case):
                    problem = request.POST.get(f"problem-{m.case.number}", "").strip()
                    if problem:
                        corrections[m.case.number] = [{"problem": problem[:500]}]
                services.bundle_prereview(actor=request.user, bundle_case=bundle_case, corrections=corrections)
                done = "已退回补正，其余事项待补正后一并受理" if corrections else "一件事已整体受理，各部门并联审批"
            elif action == "deliver":
                services.bundle_deliver(
                    actor=request.user, bundle_case=bundle_case, delivery_mode=request.POST.get("delivery_mode", "")
                )
                done = "结果已统一送达"
            else:
                raise DomainError("未知的操作", code="unknown_action")
        except DomainError as exc:
            error, status = exc.message, _status(exc)
        bundle_case.refresh_from_db()
    data = presenters.bundle_case_data(bundle_case, request.user)
    applicant_side = selectors.is_applicant_side(request.user, bundle_case)
    acting = selectors.acts_for_applicant(request.user, bundle_case)
    member_rows = selectors.members(bundle_case)
    context = {
        "bc": bundle_case,
        "data": data,
        "applicant_side": applicant_side,
        "can_upload": acting and any(m.case.state in ("draft", "correction_requested") for m in member_rows),
        "can_submit": acting and any(m.case.state in ("draft", "correction_requested") for m in member_rows),
        "can_withdraw": acting and data["status"] not in ("withdrawn", "delivered", "decided"),
        # staff only, even the clerk who filed the bundle at the window (also applicant side)
        "can_deliver": scope.reach(request.user) is not None
        and selectors.all_decided(member_rows)
        and bool(selectors.waiting_delivery(member_rows))
        and len(data["members"]) == len(member_rows),
        # 一窗受理: a window that sees every member takes the whole bundle in
        "prereview": [m for m in member_rows if m.case.state == "submitted"]
        if len(data["members"]) == len(member_rows)
        and scope.staff_role(request.user) in (Role.CLERK, Role.HALL_MANAGER)
        else [],
        "error": error,
        "done": done,
    }
    return render(request, "bundles/case.html", context, status=status)
