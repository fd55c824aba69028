"""What each workflow action does to a case, given the case under its lock: the guards
beyond the transition table, the changed fields, the rows and documents it writes, and
the notices for the applicant. ``services.case_transition`` runs them (``EFFECTS``) and
does the rest: the lock, the table, the role, the event and the notifications.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from govhall.accounts.models import Applicant, User
from govhall.accounts.roles import Role
from govhall.cases import documents, selectors, workflow
from govhall.cases.models import Case, Commitment, CorrectionRequest, Deferral, Document, Pause, State
from govhall.catalog.models import DeliveryMode, ResultType
from govhall.core.errors import Conflict, DomainError, Forbidden
from govhall.core.masking import mask_id_number
from govhall.workdays.selectors import get_calendar

# Post-approval verification of a notify-and-commit approval (告知承诺事后核查), in working days.
COMMITMENT_VERIFICATION_WORKDAYS = 20
SUPPLY_METHODS = ["网上上传（我的办件）", "到政务服务大厅窗口提交", "邮寄至受理窗口", "投递至24小时自助信包箱"]
REMEDY = (
    "申请人如不服本决定，可在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
)


def _today() -> datetime.date:
    return timezone.localdate()


@dataclass
class Context:
    """What an action's effect works with: the locked case and the request's parameters."""

    case: Case
    actor: User
    roles: set[str]
    params: dict[str, Any]
    today: datetime.date = field(default_factory=lambda: _today())
    comment: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (event, text) for the applicant
    documents: list[Document] = field(default_factory=list)  # PDFs the action produced

    def text(self, name: str, label: str, *, required: bool = True) -> str:
        value = str(self.params.get(name) or "").strip()
        if required and not value:
            raise DomainError(f"请填写{label}", code="missing_field", detail={"field": name})
        return value


def _effect_submit(ctx: Context) -> None:
    case = ctx.case
    missing = selectors.missing_materials(case)
    if case.item.deferral_allowed and case.accepted_on is None:
        # The applicant may ask for 容缺受理: the clerk decides at pre-review.
        missing = [m for m in missing if not m.deferrable]
    if missing:
        raise DomainError(
            "以下必要材料尚未提交：" + "、".join(m.name for m in missing),
            code="materials_missing",
            detail={"requirement_ids": [m.id for m in missing]},
        )
    if case.state == State.DRAFT:
        case.submitted_at = timezone.now()
        if case.hall_id is None:  # drafts made before halls were set at creation
            case.hall = selectors.region_hall(case.item.department.region_id)
        ctx.notices.append(("case.submitted", f"您的办件{case.number}（{case.item.name}）已提交，等待预审。"))
    else:  # resubmission after a correction
        case.corrections.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        _close_pause(case, Pause.Kind.CORRECTION)
        recompute_deadline(case)


def _accept(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    case.accepted_on = ctx.today
    case.accepted_at = timezone.now()
    case.limit_workdays = 0 if item.is_instant else item.promised_days
    profile = selectors.staff_profile(ctx.actor)
    if profile and profile.window_id and case.intake_window_id is None:
        case.intake_window_id = profile.window_id
    recompute_deadline(case)


def _acceptance_notice(ctx: Context) -> None:
    case = ctx.case
    _document(
        ctx,
        Document.Kind.ACCEPTANCE_NOTICE,
        documents.render_acceptance_notice(
            documents.AcceptanceNotice(
                header=_header(case),
                accepted_on=case.accepted_on,
                limit_workdays=case.limit_workdays,
                due_date=case.due_date,
                due_provisional=case.due_provisional,
                enquiry_phone=case.item.enquiry_phone or (case.hall.phone if case.hall else ""),
            )
        ),
    )
    ctx.notices.append(("case.accepted", f"您的办件{case.number}已受理，承诺办结日期{case.due_date:%Y年%m月%d日}。"))


def _effect_accept(ctx: Context) -> None:
    missing = selectors.missing_materials(ctx.case)
    if missing:
        raise DomainError(
            "材料不齐，不能受理：" + "、".join(m.name for m in missing) + "（可一次性告知补正，或按容缺受理）",
            code="materials_missing",
            detail={"requirement_ids": [m.id for m in missing]},
        )
    _accept(ctx)
    _acceptance_notice(ctx)


def _effect_accept_with_deferral(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    if not item.deferral_allowed:
        raise Conflict("该事项不适用容缺受理", code="deferral_not_allowed")
    deferred_ids = {int(i) for i in ctx.params.get("deferred") or []}
    if not deferred_ids:
        raise DomainError("请选择容缺的材料", code="missing_field", detail={"field": "deferred"})
    commitment_text = ctx.text("commitment", "申请人书面承诺")
    materials = selectors.required_materials(case)
    by_id = {m.id: m for m in materials}
    unknown = sorted(deferred_ids - by_id.keys())
    if unknown:
        raise DomainError(
            "容缺材料不属于本办件的材料清单", code="unknown_requirement", detail={"requirement_ids": unknown}
        )
    not_deferrable = [by_id[i] for i in sorted(deferred_ids) if not by_id[i].deferrable]
    if not_deferrable:
        raise Conflict(
            "以下材料不可容缺（主要材料或未列为可容缺）：" + "、".join(m.name for m in not_deferrable),
            code="not_deferrable",
            detail={"requirement_ids": [m.id for m in not_deferrable]},
        )
    missing = [m for m in selectors.missing_materials(case, materials) if m.id not in deferred_ids]
    if missing:
        raise DomainError(
            "除容缺材料外，以下必要材料尚未提交：" + "、".join(m.name for m in missing),
            code="materials_missing",
            detail={"requirement_ids": [m.id for m in missing]},
        )
    present = selectors.supplied_requirement_ids(case)
    already = [by_id[i].name for i in deferred_ids if i in present]
    if already:
        raise DomainError("以下材料已提交，无需容缺：" + "、".join(already), code="already_supplied")
    _accept(ctx)
    calendar = get_calendar()
    due = calendar.due_date(ctx.today, item.deferral_days)
    deferrals = [
        Deferral.objects.create(case=case, requirement=by_id[i], due_date=due.due_date, due_provisional=due.provisional)
        for i in sorted(deferred_ids, key=lambda i: (by_id[i].order, i))
    ]
    signed_by = ctx.text("signed_by", "承诺人", required=False) or case.applicant.name
    commitment = Commitment.objects.create(
        case=case, kind=Commitment.Kind.DEFERRAL, text=commitment_text, signed_by=signed_by, recorded_by=ctx.actor
    )
    _acceptance_notice(ctx)
    _document(
        ctx,
        Document.Kind.DEFERRAL_NOTICE,
        documents.render_deferral_notice(
            documents.DeferralNotice(
                header=_header(case),
                materials=[(d.requirement.name, d.requirement.notes) for d in deferrals],
                due_date=due.due_date,
                due_workdays=item.deferral_days,
                due_provisional=due.provisional,
                supply_methods=SUPPLY_METHODS,
                commitment_text=commitment.text,
                signed_by=commitment.signed_by,
                signed_at=commitment.recorded_at,
            )
        ),
    )
    ctx.data["deferred"] = sorted(deferred_ids)
    ctx.notices.append(
        (
            "case.deferral",
            f"您的办件{case.number}已容缺受理，请于{due.due_date:%Y年%m月%d日}前补齐："
            + "、".join(d.requirement.name for d in deferrals),
        )
    )


def _effect_request_correction(ctx: Context) -> None:
    case = ctx.case
    raw = ctx.params.get("items") or []
    if not isinstance(raw, list) or not raw:
        raise DomainError("请列出需要补正的全部内容（一次性告知）", code="missing_field", detail={"field": "items"})
    by_id = {m.id: m for m in selectors.required_materials(case)}
    items = []
    for entry in raw:
        entry = entry if isinstance(entry, dict) else {"problem": str(entry)}
        problem = str(entry.get("problem") or "").strip()
        rid = entry.get("requirement_id")
        if rid is not None and int(rid) not in by_id:
            raise DomainError(
                "补正材料不属于本办件的材料清单", code="unknown_requirement", detail={"requirement_id": rid}
            )
        if not problem:
            raise DomainError("每项补正内容都须写明问题", code="missing_field", detail={"field": "items.problem"})
        name = by_id[int(rid)].name if rid is not None else str(entry.get("name") or "申请表")
        items.append({"requirement_id": int(rid) if rid is not None else None, "name": name, "problem": problem})
    CorrectionRequest.objects.create(case=case, items=items, requested_by=ctx.actor)
    case.reviewed_at = None  # what comes back is reviewed afresh
    if case.accepted_on is not None:
        Pause.objects.create(case=case, kind=Pause.Kind.CORRECTION, reason="补正材料", from_date=ctx.today)
        recompute_deadline(case)
    _document(
        ctx,
        Document.Kind.CORRECTION_NOTICE,
        documents.render_correction_notice(
            documents.CorrectionNotice(header=_header(case), items=[(i["name"], i["problem"]) for i in items])
        ),
    )
    ctx.data["items"] = items
    ctx.notices.append(
        ("case.correction", f"您的办件{case.number}需要补正{len(items)}项内容，请登录查看补正通知书并补正后重新提交。")
    )


def _refusal(ctx: Context, kind: str) -> None:
    case = ctx.case
    case.decision_reason = ctx.text("reason", "理由")
    case.decision_legal_basis = ctx.text("legal_basis", "法律依据")
    case.decided_at = case.closed_at = timezone.now()
    doc_kind = Document.Kind.REJECTION_NOTICE if kind == "rejection" else Document.Kind.DENIAL
    _document(
        ctx,
        doc_kind,
        documents.render_refusal_notice(
            documents.RefusalNotice(
                header=_header(case),
                kind=kind,
                reason=case.decision_reason,
                legal_basis=case.decision_legal_basis,
                remedy=REMEDY,
            )
        ),
    )
    label = "不予受理" if kind == "rejection" else "不予许可"
    ctx.notices.append((f"case.{kind}", f"您的办件{case.number}{label}，理由：{case.decision_reason}"))


def _effect_reject(ctx: Context) -> None:
    _refusal(ctx, "rejection")


def _effect_deny(ctx: Context) -> None:
    _close_pause(ctx.case)
    _refusal(ctx, "denial")


def _effect_suspend(ctx: Context) -> None:
    reason = ctx.text("reason", "特别程序事由（如现场核查、专家评审、听证）")
    Pause.objects.create(case=ctx.case, kind=Pause.Kind.SUSPENSION, reason=reason[:200], from_date=ctx.today)
    recompute_deadline(ctx.case)
    ctx.comment = ctx.comment or reason


def _effect_resume(ctx: Context) -> None:
    _close_pause(ctx.case, Pause.Kind.SUSPENSION)
    recompute_deadline(ctx.case)


def _effect_review(ctx: Context) -> None:
    recommendation = str(ctx.params.get("recommendation") or "")
    if recommendation not in workflow.REVIEW_RECOMMENDATIONS:
        raise DomainError(
            "请选择审查建议：建议准予许可或建议不予许可",
            code="missing_field",
            detail={"field": "recommendation", "allowed": sorted(workflow.REVIEW_RECOMMENDATIONS)},
        )
    if not ctx.comment:
        raise DomainError("请填写审查意见", code="missing_field", detail={"field": "comment"})
    # 审查要点: the item's standard, ticked one by one; approval needs every point met.
    points = ctx.case.item.review_points or []
    try:
        met = {int(i) for i in ctx.params.get("points") or []}
    except (TypeError, ValueError):
        met = None
    if met is None or not met <= set(range(len(points))):
        raise DomainError("审查要点编号不正确", code="invalid_points", detail={"field": "points", "count": len(points)})
    unmet = [p for i, p in enumerate(points) if i not in met]
    if recommendation == "approve" and unmet:
        raise DomainError(
            "以下审查要点未核对通过，不能建议准予许可：" + "；".join(unmet),
            code="review_points_unmet",
            detail={"field": "points", "unmet": unmet},
        )
    ctx.case.reviewed_at = timezone.now()
    ctx.data["recommendation"] = recommendation
    if points:
        ctx.data["unmet_points"] = unmet


def _effect_extend(ctx: Context) -> None:
    case = ctx.case
    if case.extended_workdays:
        raise Conflict("办理期限已经延长过一次，不能再次延长", code="already_extended")
    ceiling = selectors.extension_ceiling(case)
    if ceiling == 0:
        raise Conflict("该办件不能延长办理期限", code="extension_not_allowed")
    if selectors.deadline_passed(case, ctx.today):
        raise Conflict("办理期限已经届满，不能再延长", code="deadline_passed", detail={"due_date": str(case.due_date)})
    try:
        days = int(ctx.params.get("days"))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= ceiling:
        raise DomainError(
            f"延长时限应为1至{ceiling}个工作日（不超过法定时限加可延长时限）",
            code="invalid_days",
            detail={"field": "days", "max": ceiling},
        )
    reason = ctx.text("reason", "延长理由")
    case.limit_workdays += days
    case.extended_workdays = days
    recompute_deadline(case)
    ctx.comment = ctx.comment or reason
    ctx.data.update(days=days, due_date=case.due_date and str(case.due_date))
    _document(
        ctx,
        Document.Kind.EXTENSION_NOTICE,
        documents.render_extension_notice(
            documents.ExtensionNotice(
                header=_header(case),
                accepted_on=case.accepted_on,
                extended_workdays=days,
                limit_workdays=case.limit_workdays,
                due_date=case.due_date,
                reason=reason,
                due_provisional=case.due_provisional,
            )
        ),
    )
    when = f"将于{case.due_date:%Y年%m月%d日}前作出决定" if case.due_date else "办结日期在恢复计时后顺延"
    ctx.notices.append(
        (
            "case.extended",
            f"您的办件{case.number}经审批部门负责人批准延长办理期限{days}个工作日，{when}。理由：{reason}",
        )
    )


def _effect_approve(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    staff_roles = ctx.roles - {workflow.APPLICANT}
    if Role.CHIEF_APPROVER not in staff_roles and not item.is_instant:
        raise Forbidden("只有首席审批员可以作出审批决定（综合窗口仅可当场办结即办件）", code="role_not_allowed")
    commitment_text = str(ctx.params.get("commitment") or "").strip()
    if commitment_text:
        if not item.commitment_allowed:
            raise Conflict("该事项不适用告知承诺制", code="commitment_not_allowed")
        due = get_calendar().add_workdays(ctx.today, COMMITMENT_VERIFICATION_WORKDAYS)
        Commitment.objects.create(
            case=case,
            kind=Commitment.Kind.NOTIFY_COMMIT,
            text=commitment_text,
            signed_by=ctx.text("signed_by", "承诺人", required=False) or case.applicant.name,
            recorded_by=ctx.actor,
            verification=Commitment.Verification.PENDING,
            verification_due=due,
        )
        case.approval_basis = "commitment"
        ctx.data["verification_due"] = due.isoformat()
    else:
        case.approval_basis = "instant" if item.is_instant else "review"
    case.decided_at = timezone.now()
    _close_pause(case)


def _effect_issue(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    outstanding = [d for d in case.deferrals.select_related("requirement") if d.status != Deferral.Status.CONFIRMED]
    if outstanding:
        raise Conflict(
            "容缺材料尚未补齐并核验，不能出件：" + "、".join(d.requirement.name for d in outstanding),
            code="deferred_materials_outstanding",
            detail={"requirement_ids": [d.requirement_id for d in outstanding]},
        )
    mode = str(ctx.params.get("delivery_mode") or "").strip()
    if mode:
        _check_delivery_mode(case, mode)
        case.delivery_mode = mode
    if item.result_type in (ResultType.LICENCE, ResultType.CERTIFICATE):
        from govhall.licences.services import licence_issue

        licence = licence_issue(
            holder=case.applicant,
            department=case.department,
            item=item,
            case_number=case.number,
            licence_type=item.result_name,
            title=item.result_name,
            data=_licence_data(case),
            actor=ctx.actor,
        )
        case.licence_number = licence.number
        ctx.data["licence"] = licence.number
    else:
        _document(
            ctx,
            Document.Kind.DECISION,
            documents.render_approval_decision(
                documents.ApprovalDecision(
                    header=_header(case),
                    title=item.result_name,
                    decision=f"经审查，申请人{case.applicant.name}申请的“{item.name}”符合法定条件，决定准予许可。",
                    legal_basis=item.legal_basis,
                    fields=list(_licence_data(case).items()),
                )
            ),
        )
    case.issued_at = timezone.now()
    ctx.notices.append(("case.issued", f"您的办件{case.number}已办结，办理结果：{item.result_name}。"))


def _licence_data(case: Case) -> dict[str, str]:
    applicant = case.applicant
    data = {"持证主体": applicant.name}
    if applicant.kind == Applicant.Kind.LEGAL:
        data["统一社会信用代码"] = applicant.uscc
        if applicant.legal_representative:
            data["法定代表人"] = applicant.legal_representative
    else:
        data["身份证号码"] = mask_id_number(applicant.id_number)
    for key, value in (case.form or {}).items():
        if value not in (None, "") and len(data) < 12:
            data[str(key)] = str(value)
    data["事项"] = case.item.name
    data["办件编号"] = case.number
    return data


def _check_delivery_mode(case: Case, mode: str) -> None:
    if mode not in DeliveryMode.values:
        raise DomainError("送达方式不正确", code="invalid_delivery_mode", detail={"allowed": DeliveryMode.values})
    offered = case.item.delivery_modes or [DeliveryMode.WINDOW]
    if mode not in offered:
        labels = "、".join(DeliveryMode(m).label for m in offered)
        raise Conflict(f"该事项的送达方式为：{labels}", code="delivery_mode_not_offered")


def _effect_deliver(ctx: Context) -> None:
    case = ctx.case
    mode = ctx.text("delivery_mode", "送达方式", required=False) or case.delivery_mode or DeliveryMode.WINDOW
    _check_delivery_mode(case, mode)
    if mode == DeliveryMode.LOCKER:
        raise Conflict("自助信包箱投递尚未开通，请选择窗口领取或邮寄", code="locker_unavailable")
    if mode == DeliveryMode.MAIL:
        case.tracking_number = ctx.text("tracking_number", "邮件单号")[:40]
        case.delivery_address = ctx.text("address", "邮寄地址", required=not case.delivery_address) or (
            case.delivery_address
        )
    case.delivery_mode = mode
    case.closed_at = timezone.now()
    ctx.data["delivery_mode"] = mode
    profile = selectors.staff_profile(ctx.actor)
    if mode == DeliveryMode.WINDOW and profile is not None and profile.window_id:
        case.issue_window_id = profile.window_id  # 统一窗口出件: which window handed it over
        ctx.data["window"] = profile.window_id
    ctx.notices.append(("case.delivered", f"您的办件{case.number}办理结果已送达（{DeliveryMode(mode).label}）。"))


def _effect_withdraw(ctx: Context) -> None:
    _close_pause(ctx.case)
    ctx.case.closed_at = timezone.now()


def _effect_revoke(ctx: Context) -> None:
    case = ctx.case
    reason = ctx.text("reason", "撤销理由")
    if case.state in workflow.UNDER_REVIEW and not selectors.overdue_deferrals(case, ctx.today):
        raise Conflict("审批决定作出前，只有容缺材料逾期未补齐时才可撤销", code="revoke_not_justified")
    if case.licence_number:
        from govhall.licences.selectors import licence_get
        from govhall.licences.services import licence_revoke

        licence_revoke(licence=licence_get(case.licence_number), actor=ctx.actor, reason=reason)
    _close_pause(case)
    case.decision_reason = reason
    case.closed_at = timezone.now()
    ctx.comment = ctx.comment or reason
    ctx.notices.append(("case.revoked", f"您的办件{case.number}已被撤销，理由：{reason}"))


def _effect_confirm_deferred(ctx: Context) -> None:
    case = ctx.case
    received = {d.requirement_id: d for d in case.deferrals.filter(status=Deferral.Status.RECEIVED)}
    wanted = {int(i) for i in ctx.params.get("requirement_ids") or received.keys()}
    if not wanted or not wanted <= received.keys():
        raise Conflict("没有已提交待核验的容缺材料", code="nothing_to_confirm", detail={"received": sorted(received)})
    for rid in wanted:
        d = received[rid]
        d.status, d.confirmed_at, d.confirmed_by = Deferral.Status.CONFIRMED, timezone.now(), ctx.actor
        d.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    ctx.data["requirement_ids"] = sorted(wanted)


EFFECTS: dict[str, Callable[[Context], None]] = {
    "submit": _effect_submit,
    "accept": _effect_accept,
    "accept_with_deferral": _effect_accept_with_deferral,
    "request_correction": _effect_request_correction,
    "reject": _effect_reject,
    "suspend": _effect_suspend,
    "resume": _effect_resume,
    "extend": _effect_extend,
    "review": _effect_review,
    "approve": _effect_approve,
    "deny": _effect_deny,
    "issue": _effect_issue,
    "deliver": _effect_deliver,
    "withdraw": _effect_withdraw,
    "revoke": _effect_revoke,
    "confirm_deferred": _effect_confirm_deferred,
}
assert set(EFFECTS) == set(workflow.ACTIONS), "every workflow action needs an effect"


# --------------------------------------------------------------------------- shared by the effects


def _document(ctx: Context, kind: str, pdf: bytes) -> Document:
    """Store a PDF the case produced and record it (with its hash) in the timeline."""
    case = ctx.case
    doc = Document(case=case, kind=kind, sha256=hashlib.sha256(pdf).hexdigest())
    doc.file.save(f"{case.number}-{kind}.pdf", ContentFile(pdf), save=False)
    doc.save()
    ctx.documents.append(doc)  # recorded in the timeline after the transition's own event
    return doc


def _header(case: Case) -> documents.CaseHeader:
    applicant = case.applicant
    return documents.CaseHeader(
        case_number=case.number,
        applicant_name=applicant.name,
        applicant_code_masked=applicant.masked_code,
        item_name=case.item.name,
        department_name=case.department.name,
        hall_name=case.hall.name if case.hall else case.department.name,
        issued_on=_today(),
        seal_text=case.department.name,
    )


def recompute_deadline(case: Case) -> None:
    """Due date and clock state from the acceptance day, the limit and the pauses."""
    if case.accepted_on is None or case.limit_workdays is None:
        return
    pauses = [(p.from_date, p.to_date) for p in case.pauses.all()]
    deadline = get_calendar().due_date(case.accepted_on, case.limit_workdays, pauses)
    case.due_date = deadline.due_date
    case.due_provisional = deadline.provisional
    case.clock_paused = any(to is None for _, to in pauses)


def _close_pause(case: Case, kind: str | None = None) -> None:
    today = _today()
    qs = case.pauses.filter(to_date__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    for pause in qs:
        pause.to_date = max(today, pause.from_date)
        pause.save(update_fields=["to_date"])
