"""The case page: what it shows depends on the viewer's roles on the case; its forms are
built from the workflow table (``actions.py``), so the page offers exactly what the
service accepts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from govhall.accounts.models import Applicant
from govhall.accounts.scope import APPLICANT, staff_role
from govhall.cases import actions, forms, presenters, rules, selectors, services
from govhall.cases.events import label as event_label
from govhall.cases.models import Case, State
from govhall.cases.params import REVIEW_RECOMMENDATIONS
from govhall.cases.views.common import ROLE_LABELS, case_or_404, error_status
from govhall.cases.workflow import CLERK
from govhall.catalog.models import DeliveryMode
from govhall.core import links
from govhall.core.errors import DomainError, NotFound
from govhall.delivery.services import modes_available

STATE_LABELS = dict(State.choices)
DEFAULT_COMMITMENT = (
    "本人（本单位）承诺在规定期限内补齐上述容缺材料，并对所提交材料的真实性负责；逾期未补齐的，愿意承担相应法律责任。"
)


def _checklist(case: Case, data: dict, roles: set[str], upload_errors: dict) -> tuple[list[dict], set[int]]:
    """The material list with what each line shows and whether this viewer may upload there
    (``rules.upload_refusal``: the same rule the service applies)."""
    materials = {m["requirement_id"]: m for m in data["materials"]}
    deferrals = {d["requirement_id"]: d for d in data["deferrals"]}
    pending = {rid for rid, d in deferrals.items() if d["status"] == "pending"}
    requirements = {m.id: m for m in selectors.required_materials(case)}
    current = list(case.materials.all())
    problems = _correction_problems(case, data)
    checklist = []
    for entry in data["checklist"]:
        rid = entry["requirement_id"]
        refusal = rules.upload_refusal(
            case,
            roles,
            requirements[rid],
            pending_deferral=rid in pending,
            supplied_from_licence=rules.licence_supplied(current, rid),
        )
        checklist.append(
            {
                **entry,
                "material": materials.get(rid),
                "deferral": deferrals.get(rid),
                "problems": problems.get(rid, []),
                "can_upload": refusal is None,
                "upload_error": upload_errors.get(rid, ""),
            }
        )
    return checklist, problems


def _correction_problems(case: Case, data: dict) -> dict[int | None, list[str]]:
    problems: dict[int | None, list[str]] = {}
    correction = _open_correction(case, data)
    if correction:
        for item in correction["items"]:
            problems.setdefault(item.get("requirement_id"), []).append(item["problem"])
    return problems


def _open_correction(case: Case, data: dict) -> dict | None:
    if case.state != State.CORRECTION_REQUESTED:
        return None
    return next((c for c in reversed(data["corrections"]) if c["resolved_at"] is None), None)


def _rows_here(case: Case, offered: list[str]) -> list[actions.Action]:
    """The rows of the offered actions in the case's state, in table order."""
    return [row for row in actions.ROWS if row.name in offered and case.state in row.sources]


def _forms(case: Case, offered: list[str]) -> list[actions.Action]:
    """The rows of the staff forms to show (the applicant side's have buttons of their own)."""
    return [row for row in _rows_here(case, offered) if not row.applicant_button]


def _detail_context(request, case: Case, **extra) -> dict[str, Any]:
    user = request.user
    data = presenters.case_out(case, user)
    roles = selectors.actor_roles(user, case)
    applicant_side = APPLICANT in roles
    staff_roles = roles - {APPLICANT}
    offered = data["actions"]
    checklist, problems = _checklist(case, data, roles, extra.get("upload_errors") or {})
    received = [d for d in data["deferrals"] if d["status"] == "received"]
    deferrable = [
        e
        for e in checklist
        if case.item.deferral_allowed and e["deferrable"] and e["required"] and not e["supplied"] and not e["deferred"]
    ]
    missing_count = sum(1 for e in checklist if e["required"] and not e["supplied"] and not e["deferred"])
    timeline = [
        {
            **e,
            "label": event_label(e["action"]),
            "role_label": ROLE_LABELS.get(e["actor_role"], ""),
            "to_label": STATE_LABELS.get(e["to_state"], "") if e["to_state"] != e["from_state"] else "",
        }
        for e in reversed(data["timeline"])
    ]
    staff_forms = _forms(case, offered) if staff_roles else []
    offered_modes = modes_available(case.item.delivery_modes or [DeliveryMode.WINDOW])
    failed = rules.failed_verification(case)
    context = {
        "case": case,
        "data": data,
        "roles": roles,
        "role_labels": [ROLE_LABELS[r] for r in sorted(roles) if r in ROLE_LABELS],
        "is_staff_view": bool(staff_roles),
        "applicant_side": applicant_side,
        "applicant_actions": [row.name for row in _rows_here(case, offered) if row.applicant_button],
        "action_labels": {row.name: row.button for row in _rows_here(case, offered)},
        "staff_forms": staff_forms,
        "staff_actions": [row.name for row in staff_forms],
        "has_workbench": staff_role(user) is not None,
        "primary_action": _primary_action(staff_forms, missing=missing_count, deferrable=deferrable, failed=failed),
        "correction_rows": range(3),
        "upload_max_mb": settings.GOVHALL_UPLOAD_MAX_MB,
        "checklist": checklist,
        "any_upload": any(e["can_upload"] for e in checklist),
        "missing_count": missing_count,
        "deferrable": deferrable,
        "received_deferrals": received,
        "open_correction": _open_correction(case, data),
        "form_problems": problems.get(None, []),
        "timeline": timeline,
        "deadline": data["deadline"],
        "licence_verify_url": _licence_verify_url(case.licence_number) if case.licence_number else None,
        "issue_modes": [(m, DeliveryMode(m).label) for m in offered_modes],
        "deliver_modes": [(m, DeliveryMode(m).label) for m in offered_modes]
        or [(DeliveryMode.WINDOW.value, DeliveryMode.WINDOW.label)],
        "can_handle_instant": case.item.is_instant and case.state == State.SUBMITTED and CLERK in roles,
        "failed_verification": failed,
        "default_commitment": DEFAULT_COMMITMENT,
        "extension_ceiling": selectors.extension_ceiling(case) if "extend" in offered else 0,
        "review_label": REVIEW_RECOMMENDATIONS.get(data["review"]["recommendation"], "") if data["review"] else "",
        "review_choices": REVIEW_RECOMMENDATIONS.items(),
        "values": {},
        # lockers, assisted service, projects… (core.links: the apps above cases register them)
        "case_links": links.case_links(case, user),
    }
    context.update(extra)
    return context


def _primary_action(forms_: list[actions.Action], *, missing: int, deferrable: list, failed) -> str | None:
    """The action form opened first: the usual next step for this case."""
    names = [row.name for row in forms_]
    if failed is not None and "revoke" in names:
        return "revoke"  # 核查不实: the chief approver decides the revocation
    if "accept" in names and missing:
        # materials are missing: accepting would be refused, so offer what fits instead
        return "accept_with_deferral" if deferrable and "accept_with_deferral" in names else "request_correction"
    ranked = sorted((row for row in forms_ if row.primary), key=lambda row: row.primary)
    return ranked[0].name if ranked else None


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
    return _render_detail(request, case_or_404(number, request.user))


@login_required
@require_POST
def case_upload(request, number: str):
    case = case_or_404(number, request.user)
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
        status = error_status(exc)
        errors = {form.cleaned_data["requirement_id"]: exc.message}
        return _render_detail(request, case, status=status, upload_errors=errors, error=exc.message)
    messages.success(request, f"已上传：{material.requirement.name}")
    return _back(case, f"#m-{material.requirement_id}")


def _act(request, case: Case, action: str, *, error_action: str = "", anchor: str = "") -> HttpResponse:
    """Take ``action`` from a posted form; a refusal shows the page again with the message
    and the form as typed."""
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
        return _render_detail(
            request,
            case,
            status=error_status(exc),
            error=exc.message,
            error_action=error_action or action,
            # the form again as typed; ``lists`` has every field's values, for the checkbox
            # groups a template cannot read from the QueryDict (it gives the last value)
            values={error_action or action: request.POST, "lists": dict(request.POST.lists())},
        )
    try:
        done = actions.known(action).done
    except DomainError:
        done = "操作成功"
    messages.success(request, done)
    return _back(case, anchor)


@login_required
@require_POST
def case_act(request, number: str):
    return _act(request, case_or_404(number, request.user), request.POST.get("action", "")[:40])


@login_required
@require_POST
def case_instant(request, number: str):
    case = case_or_404(number, request.user)
    try:
        services.case_handle_instant(case=case, actor=request.user, comment=request.POST.get("comment", "")[:2000])
    except DomainError as exc:
        return _render_detail(request, case, status=error_status(exc), error=exc.message, error_action="instant")
    messages.success(request, "即办件已当场办结")
    return _back(case)


@login_required
@require_POST
def case_verify(request, number: str):
    """告知承诺事后核查 (the action verify_commitment, from the 承诺 section's form)."""
    return _act(request, case_or_404(number, request.user), "verify_commitment", anchor="#commitments")


@login_required
@require_POST
def case_identity(request, number: str):
    """查看完整身份信息: staff only, once per click, recorded in the timeline."""
    case = case_or_404(number, request.user)
    purpose = request.POST.get("purpose", "").strip()[:200] or "核验申请人身份"
    try:
        applicant = services.personal_data_view(case=case, actor=request.user, purpose=purpose)
    except DomainError as exc:
        error_status(exc)
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
    return _render_detail(request, case_or_404(number, request.user), identity=identity)
