"""Case pages: applying online, 我的办件, the case page (what it shows depends on the
viewer's roles on the case), the staff workbench and window intake.

Pages read cases only through ``cases.selectors`` and ``api.case_out`` and change them only
through ``cases.services``; a service's ``DomainError`` message is shown on the page as is.
Successful POSTs redirect (POST-redirect-GET); a refused one re-renders the page with the
message and the values the user typed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.accounts.models import Applicant
from govhall.accounts.roles import Role
from govhall.accounts.services import applicant_find_or_register
from govhall.cases import forms, selectors, services, workflow
from govhall.cases.api import case_out
from govhall.cases.models import Case, Channel, State
from govhall.catalog import selectors as catalog_selectors
from govhall.catalog.models import Channel as ItemChannel
from govhall.catalog.models import DeliveryMode
from govhall.core import limits
from govhall.core.errors import DomainError, NotFound
from govhall.core.http import client_address
from govhall.core.masking import mask_name
from govhall.workdays.selectors import get_calendar

APPLICANT = workflow.APPLICANT
# Actions the applicant side takes with a button; the others are staff forms.
APPLICANT_ACTIONS = ("submit", "withdraw")
ACTION_LABELS: dict[str, str] = {}
for _t in workflow.TRANSITIONS:
    ACTION_LABELS.setdefault(_t.action, _t.label)
EVENT_LABELS = {
    **ACTION_LABELS,
    "create": "创建申请",
    "material_uploaded": "上传材料",
    "deferred_material_received": "补交容缺材料",
    "licence_reused": "调用电子证照",
    "personal_data_viewed": "查看完整身份信息",
    "commitment_verified": "告知承诺核查",
    "deadline_recomputed": "重新计算到期日",
    "document_created": "生成文书",
}
ROLE_LABELS = {**dict(Role.choices), APPLICANT: "申请人"}
STATE_LABELS = dict(State.choices)
# What a successful action tells the user.
DONE = {
    "submit": "申请已提交，等待窗口预审",
    "accept": "已受理，受理通知书已生成",
    "accept_with_deferral": "已容缺受理，容缺受理补正材料通知书已生成",
    "request_correction": "已一次性告知补正，补正材料通知书已生成",
    "reject": "已作出不予受理决定",
    "suspend": "已启动特别程序，计时暂停",
    "resume": "特别程序已结束，恢复计时",
    "extend": "已延长办理期限，延长审批期限告知书已生成",
    "review": "审查意见已提交，等待首席审批员决定",
    "approve": "已作出准予许可决定",
    "deny": "已作出不予许可决定",
    "issue": "已办结出件",
    "deliver": "已送达",
    "withdraw": "申请已撤回",
    "revoke": "已撤销",
    "confirm_deferred": "容缺材料已核验",
}

# The action form opened first on the staff case page: the usual next step.
PRIMARY_ACTIONS = ("accept", "confirm_deferred", "review", "approve", "resume", "issue", "deliver")

# Workbench tabs by role (selectors.QUEUES names); oversight roles also see overdue lists.
ALL_QUEUES = tuple(selectors.QUEUES)
ROLE_QUEUES: dict[str, tuple[str, ...]] = {
    Role.CLERK: ("prereview", "issue", "delivery"),
    Role.REVIEWER: ("review",),
    Role.CHIEF_APPROVER: ("decision", "review"),
    Role.SUPERVISOR: ALL_QUEUES,
    Role.HALL_MANAGER: ALL_QUEUES,
    Role.ADMINISTRATOR: ALL_QUEUES,
}
OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.HALL_MANAGER, Role.ADMINISTRATOR)
PAGE_SIZE = 20
DEFAULT_COMMITMENT = (
    "本人（本单位）承诺在规定期限内补齐上述容缺材料，并对所提交材料的真实性负责；逾期未补齐的，愿意承担相应法律责任。"
)


# --------------------------------------------------------------------------- helpers


def _case(number: str, user) -> Case:
    try:
        return selectors.case_for_actor(number, user, queryset=selectors.detail_queryset())
    except NotFound:
        raise Http404("未找到该办件") from None


def _staff_role(user) -> str | None:
    """The user's workbench role, or None for people who have no workbench."""
    if user.is_superuser:
        return Role.ADMINISTRATOR
    profile = selectors.staff_profile(user)
    if profile is None or profile.role not in ROLE_QUEUES:
        return None
    return profile.role


def _error_status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409) else 400


def _row(case: Case, calendar) -> dict[str, Any]:
    """One line of a case list: masked applicant, state, due date, working days left."""
    deadline = selectors.case_deadline(case, calendar=calendar)
    applicant = case.applicant
    review = selectors.current_review(case) if hasattr(case, "review_events") else None  # queues only
    return {
        "recommendation": workflow.REVIEW_RECOMMENDATIONS.get(review.data.get("recommendation"), "") if review else "",
        "number": case.number,
        "item_name": case.item.name,
        "applicant": mask_name(applicant.name) if applicant.kind == Applicant.Kind.NATURAL else applicant.name,
        "state": case.state,
        "state_label": case.get_state_display(),
        "created_at": case.created_at,
        "deadline": deadline,
    }


def _rows(cases, calendar=None) -> list[dict[str, Any]]:
    calendar = calendar or get_calendar()
    return [_row(c, calendar) for c in cases]


# --------------------------------------------------------------------------- the case page


def _detail_context(request, case: Case, **extra) -> dict[str, Any]:
    user = request.user
    data = case_out(case, user)
    roles = selectors.actor_roles(user, case)
    applicant_side = APPLICANT in roles
    staff_roles = roles - {APPLICANT}
    actions = data["actions"]

    staff_actions = [a for a in actions if a not in APPLICANT_ACTIONS]
    upload_errors = extra.get("upload_errors") or {}
    materials = {m["requirement_id"]: m for m in data["materials"]}
    deferrals = {d["requirement_id"]: d for d in data["deferrals"]}
    open_correction = next((c for c in reversed(data["corrections"]) if c["resolved_at"] is None), None)
    problems: dict[int | None, list[str]] = {}
    if open_correction and case.state == State.CORRECTION_REQUESTED:
        for item in open_correction["items"]:
            problems.setdefault(item.get("requirement_id"), []).append(item["problem"])
    pending = {rid for rid, d in deferrals.items() if d["status"] == "pending"}
    received = [d for d in data["deferrals"] if d["status"] == "received"]

    def can_upload(entry: dict) -> bool:
        rid = entry["requirement_id"]
        if entry["source"] == "shared_data":
            return False
        if entry["source"] == "licence" and entry["supplied"]:
            return False
        if rid in pending:
            return applicant_side or Role.CLERK in roles
        if case.state in (State.DRAFT, State.CORRECTION_REQUESTED):
            return applicant_side
        if case.state == State.SUBMITTED:
            return Role.CLERK in roles
        return False

    checklist = [
        {
            **entry,
            "material": materials.get(entry["requirement_id"]),
            "deferral": deferrals.get(entry["requirement_id"]),
            "problems": problems.get(entry["requirement_id"], []),
            "can_upload": can_upload(entry),
            "upload_error": upload_errors.get(entry["requirement_id"], ""),
        }
        for entry in data["checklist"]
    ]
    deferrable = [
        e
        for e in checklist
        if case.item.deferral_allowed and e["deferrable"] and e["required"] and not e["supplied"] and not e["deferred"]
    ]
    missing_count = sum(1 for e in checklist if e["required"] and not e["supplied"] and not e["deferred"])
    timeline = [
        {
            **e,
            "label": EVENT_LABELS.get(e["action"], e["action"]),
            "role_label": ROLE_LABELS.get(e["actor_role"], ""),
            "to_label": STATE_LABELS.get(e["to_state"], "") if e["to_state"] != e["from_state"] else "",
        }
        for e in reversed(data["timeline"])
    ]
    offered = case.item.delivery_modes or [DeliveryMode.WINDOW]
    context = {
        "case": case,
        "data": data,
        "roles": roles,
        "role_labels": [ROLE_LABELS[r] for r in sorted(roles) if r in ROLE_LABELS],
        "is_staff_view": bool(staff_roles),
        "applicant_side": applicant_side,
        "applicant_actions": [a for a in actions if a in APPLICANT_ACTIONS],
        "staff_actions": staff_actions,
        "has_workbench": _staff_role(user) is not None,
        "primary_action": _primary_action(
            staff_actions, missing=missing_count, deferrable=deferrable, received=received
        ),
        "correction_rows": range(3),
        "upload_max_mb": settings.GOVHALL_UPLOAD_MAX_MB,
        "action_labels": {**ACTION_LABELS, **{t.action: t.label for t in workflow.actions_from(case.state)}},
        "checklist": checklist,
        "any_upload": any(e["can_upload"] for e in checklist),
        "missing_count": missing_count,
        "deferrable": deferrable,
        "received_deferrals": received,
        "open_correction": open_correction if case.state == State.CORRECTION_REQUESTED else None,
        "form_problems": problems.get(None, []),
        "timeline": timeline,
        "deadline": data["deadline"],
        "licence_verify_url": _licence_verify_url(case.licence_number) if case.licence_number else None,
        "issue_modes": [(m, DeliveryMode(m).label) for m in offered],
        "deliver_modes": [(m, DeliveryMode(m).label) for m in offered if m != DeliveryMode.LOCKER]
        or [(DeliveryMode.WINDOW.value, DeliveryMode.WINDOW.label)],
        "can_handle_instant": case.item.is_instant and case.state == State.SUBMITTED and Role.CLERK in roles,
        "can_verify_commitment": bool(roles & {Role.CHIEF_APPROVER, Role.REVIEWER})
        and any(c["kind"] == "notify_commit" and c["verification"] == "pending" for c in data["commitments"]),
        "default_commitment": DEFAULT_COMMITMENT,
        "extension_ceiling": selectors.extension_ceiling(case) if "extend" in staff_actions else 0,
        "review_label": workflow.REVIEW_RECOMMENDATIONS.get(data["review"]["recommendation"], "")
        if data["review"]
        else "",
        "review_choices": workflow.REVIEW_RECOMMENDATIONS.items(),
        "values": {},
    }
    context.update(extra)
    return context


def _primary_action(actions: list[str], *, missing: int, deferrable: list, received: list) -> str | None:
    """The action form opened first: the usual next step for this case."""
    if "accept" in actions and missing:
        # materials are missing: accepting would be refused, so offer what fits instead
        return "accept_with_deferral" if deferrable and "accept_with_deferral" in actions else "request_correction"
    return next((a for a in PRIMARY_ACTIONS if a in actions and (a != "confirm_deferred" or received)), None)


def _licence_verify_url(number: str) -> str | None:
    """The public verification page of the case's licence, with the content hash its QR
    code carries (``?h=``), so the page checks this very licence."""
    from govhall.licences import selectors as licence_selectors

    try:
        licence = licence_selectors.licence_get(number)
    except NotFound:
        return None
    return reverse("licences:verify", args=[licence.number]) + "?" + urlencode({"h": licence.content_hash})


def _render_detail(request, case: Case, *, status: int = 200, **extra) -> HttpResponse:
    return render(request, "cases/detail.html", _detail_context(request, case, **extra), status=status)


def _back(case: Case, anchor: str = "") -> HttpResponse:
    return redirect(reverse("cases:detail", args=[case.number]) + anchor)


@login_required
@require_GET
def case_detail(request, number: str):
    return _render_detail(request, _case(number, request.user))


@login_required
@require_POST
def case_upload(request, number: str):
    case = _case(number, request.user)
    form = forms.UploadForm(request.POST, request.FILES)
    rid = request.POST.get("requirement_id", "")
    if not form.is_valid():
        message = "；".join(e for errors in form.errors.values() for e in errors)
        errors = {int(rid) if rid.isdigit() else 0: message}
        return _render_detail(request, case, status=400, upload_errors=errors, error=message)
    try:
        material = services.material_upload(
            case=case,
            actor=request.user,
            requirement_id=form.cleaned_data["requirement_id"],
            upload=form.cleaned_data["file"],
        )
    except DomainError as exc:
        status = _error_status(exc)
        errors = {form.cleaned_data["requirement_id"]: exc.message}
        return _render_detail(request, case, status=status, upload_errors=errors, error=exc.message)
    messages.success(request, f"已上传：{material.requirement.name}")
    return _back(case, f"#m-{material.requirement_id}")


@login_required
@require_POST
def case_act(request, number: str):
    case = _case(number, request.user)
    action = request.POST.get("action", "")
    version = request.POST.get("version", "")
    try:
        params, comment = forms.transition_arguments(action, request.POST)
        services.case_transition(
            case=case,
            actor=request.user,
            action=action,
            comment=comment,
            params=params,
            expected_version=int(version) if version.isdigit() else None,
        )
    except DomainError as exc:
        status = _error_status(exc)
        return _render_detail(
            request,
            case,
            status=status,
            error=exc.message,
            error_action=action,
            # the form again as typed; ``lists`` has every field's values, for the checkbox
            # groups a template cannot read from the QueryDict (it gives the last value)
            values={action: request.POST, "lists": dict(request.POST.lists())},
        )
    messages.success(request, DONE.get(action, "操作成功"))
    return _back(case)


@login_required
@require_POST
def case_instant(request, number: str):
    case = _case(number, request.user)
    try:
        services.case_handle_instant(case=case, actor=request.user, comment=request.POST.get("comment", "")[:2000])
    except DomainError as exc:
        return _render_detail(request, case, status=_error_status(exc), error=exc.message, error_action="instant")
    messages.success(request, "即办件已当场办结")
    return _back(case)


@login_required
@require_POST
def case_verify(request, number: str):
    """告知承诺事后核查: record the check; a failed one revokes the decision and its licence."""
    case = _case(number, request.user)
    passed = request.POST.get("passed") == "yes"
    try:
        services.commitment_verify(
            case=case, actor=request.user, passed=passed, comment=request.POST.get("comment", "")[:2000]
        )
    except DomainError as exc:
        return _render_detail(
            request,
            case,
            status=_error_status(exc),
            error=exc.message,
            error_action="verify",
            values={"verify": request.POST},
        )
    messages.success(request, "核查属实，已记录" if passed else "核查不实：已撤销审批决定并注销电子证照")
    return _back(case, "#commitments")


@login_required
@require_POST
def case_identity(request, number: str):
    """查看完整身份信息: staff only, once per click, recorded in the timeline."""
    case = _case(number, request.user)
    purpose = request.POST.get("purpose", "").strip()[:200] or "核验申请人身份"
    try:
        applicant = services.personal_data_view(case=case, actor=request.user, purpose=purpose)
    except DomainError as exc:
        _error_status(exc)
        raise PermissionDenied(exc.message) from None
    identity = {
        "name": applicant.name,
        "kind": applicant.get_kind_display(),
        "code": applicant.id_number if applicant.kind == Applicant.Kind.NATURAL else applicant.uscc,
        "phone": applicant.phone,
        "legal_representative": applicant.legal_representative,
    }
    if request.htmx:
        return render(request, "cases/_identity.html", {"identity": identity, "case": case, "data": None})
    return _render_detail(request, _case(number, request.user), identity=identity)


# --------------------------------------------------------------------------- applying online


def _posted_form(request, item) -> dict:
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
        candidates = list(
            Applicant.objects.filter(Q(user=user) | Q(operators__user=user)).distinct().order_by("kind", "id")
        )
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
    posted_form = _posted_form(request, item)
    context = {
        "item": item,
        "applicants": applicants,
        "chosen_applicant": request.POST.get("applicant", ""),
        "blocked": blocked,
        "error": error,
        "answers": answers,
        "materials": catalog_selectors.materials_for_answers(item, answers),
        "description": posted_form.get(forms.DESCRIPTION_KEY, ""),
        "rows": forms.form_rows(posted_form),
        "form_fields": forms.form_field_rows(item.form_fields, posted_form),
    }
    return render(request, "cases/apply.html", context, status=400 if error else 200)


@login_required
@require_GET
def my_cases(request):
    qs = selectors.list_queryset(request.user)
    if request.user.is_superuser or selectors.staff_profile(request.user):
        qs = qs.filter(filed_by=request.user)  # staff: the cases they filed, not their whole scope
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/mine.html", {"page": page, "rows": _rows(page.object_list)})


# --------------------------------------------------------------------------- the staff workbench


def _overdue(user, calendar) -> list[Case]:
    return list(selectors.overdue_cases(user)[:200])


@login_required
@require_http_methods(["GET", "POST"])
def workbench(request):
    role = _staff_role(request.user)
    if role is None:
        raise PermissionDenied("工作台仅供工作人员使用")
    names = ROLE_QUEUES[role]
    tabs = [
        {"name": n, "title": selectors.QUEUES[n][0], "count": selectors.queue(request.user, n).count()} for n in names
    ]
    current = request.GET.get("queue") if request.GET.get("queue") in names else names[0]
    calendar = get_calendar()
    page = Paginator(selectors.queue(request.user, current), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "role": role,
        "role_label": ROLE_LABELS.get(role, ""),
        "tabs": tabs,
        "current": current,
        "current_title": selectors.QUEUES[current][0],
        "page": page,
        "rows": _rows(page.object_list, calendar),
        "oversight": role in OVERSIGHT_ROLES,
        "is_clerk": role == Role.CLERK,
    }
    if role in OVERSIGHT_ROLES:
        context["overdue_rows"] = _rows(_overdue(request.user, calendar), calendar)
        late = selectors.cases_with_overdue_deferrals(request.user).select_related("item", "applicant")
        context["late_deferral_rows"] = _rows(late.prefetch_related("pauses")[:200], calendar)
    if role in (Role.REVIEWER, Role.CHIEF_APPROVER, *OVERSIGHT_ROLES):
        today = timezone.localdate()
        context["verification_rows"] = [
            {**_row(c, calendar), "verification_due": due, "verification_late": due is not None and due < today}
            for c in selectors.verifications_pending(request.user)[:200]
            for due in [next((m.verification_due for m in c.commitments.all() if m.verification == "pending"), None)]
        ]
    if role == Role.CLERK:
        drafts = selectors.list_queryset(request.user, state=State.DRAFT).filter(filed_by=request.user)
        context["draft_rows"] = _rows(drafts[:50], calendar)
    if request.method == "POST":
        # 查找办件 is a POST: what the clerk types may be a resident ID or a phone number,
        # which must not sit in URLs, browser history or access logs.
        q = request.POST.get("q", "").strip()[:50]
        found = selectors.case_search(request.user, q)
        context.update(q=q, search_rows=_rows(found, calendar), search_capped=len(found) == selectors.SEARCH_LIMIT)
    return render(request, "cases/workbench.html", context)


# --------------------------------------------------------------------------- window intake


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
    if _staff_role(request.user) != Role.CLERK:
        raise PermissionDenied("窗口收件仅供综合窗口受理员使用")
    profile = selectors.staff_profile(request.user)
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
        elif profile is None or profile.hall_id is None:
            error = "您的账户未分配到政务服务大厅，不能窗口收件"
        elif not form.is_valid():
            error = "；".join(e for errors in form.errors.values() for e in errors)
        else:
            cleaned = form.cleaned_data
            natural = cleaned["kind"] == Applicant.Kind.NATURAL
            try:
                with transaction.atomic():
                    applicant, created = applicant_find_or_register(
                        kind=cleaned["kind"],
                        actor=request.user,
                        name=cleaned["name"],
                        id_number=cleaned["code"] if natural else "",
                        uscc="" if natural else cleaned["code"],
                        phone=cleaned["phone"],
                        legal_representative=cleaned["legal_representative"],
                    )
                    case = services.case_create(
                        actor=request.user,
                        item_code=item.code,
                        applicant=applicant,
                        **forms.posted_application(request.POST, item),
                        channel=Channel.WINDOW,
                        hall=profile.hall,
                    )
            except DomainError as exc:
                error = exc.message
            else:
                who = "已登记新申请人" if created else "已找到申请人"
                messages.success(request, f"{who}“{applicant.name}”，办件草稿已创建：请扫描上传材料，提交后受理。")
                return redirect("cases:detail", case.number)
    answers = catalog_selectors.parse_answers(item, request.POST or request.GET) if item else {}
    posted_form = _posted_form(request, item)
    context = {
        "q": q,
        "results": results,
        "item": item,
        "form": form,
        "error": error,
        "answers": answers,
        "materials": catalog_selectors.materials_for_answers(item, answers) if item else [],
        "hall": profile.hall if profile else None,
        "description": posted_form.get(forms.DESCRIPTION_KEY, ""),
        "rows": forms.form_rows(posted_form),
        "form_fields": forms.form_field_rows(item.form_fields, posted_form) if item else [],
    }
    return render(request, "cases/intake.html", context, status=400 if error else 200)


# --------------------------------------------------------------------------- public progress query

PROGRESS_LIMIT = 30  # look-ups per address and minute, as the API's throttle


@require_GET
def progress(request):
    """办件进度查询 without login: case number + the last four digits of the applicant's
    phone. Failures answer alike (no hint whether the number exists); rate-limited."""
    number = request.GET.get("number", "").strip()[:32]
    last4 = request.GET.get("phone_last4", "").strip()[:4]
    context: dict[str, Any] = {"number": number, "phone_last4": last4, "case": None, "error": ""}
    status = 200
    if number or last4:
        if limits.hit(f"progress-page:{client_address(request)}", 60) > PROGRESS_LIMIT:
            context["error"], status = "查询过于频繁，请一分钟后再试", 429
        else:
            try:
                case = services.progress_query(number=number, phone_last4=last4)
            except DomainError as exc:  # no match (404) or this number locked (429)
                context["error"], status = exc.message, exc.status
            else:
                context.update(
                    case=case,
                    applicant_name=mask_name(case.applicant.name)
                    if case.applicant.kind == Applicant.Kind.NATURAL
                    else case.applicant.name,
                    deadline=selectors.case_deadline(case),
                )
    return render(request, "cases/progress.html", context, status=status)
