"""What each workflow action does to a case, given the case under its lock and the action's
checked parameters: the changed fields, the rows and documents it writes, and what its
timeline event records. ``services.case_transition`` runs them (each row of ``actions.py``
names its effect) and does the rest: the lock, the state, the role, the guard, the
parameters, the event. What the applicant is told follows from the event (``notices.py``).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, User
from govhall.cases import documents, rules, selectors, workflow
from govhall.cases.models import Case, Commitment, CorrectionRequest, Deferral, Document, Pause, State
from govhall.catalog.models import DeliveryMode, ResultType
from govhall.core.errors import Conflict, DomainError
from govhall.core.masking import mask_id_number
from govhall.delivery.base import Shipment
from govhall.delivery.services import provider_for
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
    """What an action's effect works with: the locked case and the action's parameters
    (its ``params`` model, checked), and what it leaves for ``case_transition``."""

    case: Case
    actor: User | None  # None: another app's service (role system), e.g. a locker's pick-up
    roles: set[str]
    params: Any = None  # the action's Params model
    today: datetime.date = field(default_factory=lambda: _today())
    comment: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # recorded in the timeline event
    documents: list[Document] = field(default_factory=list)  # PDFs the action produced
    receipts: list[tuple[Any, Any]] = field(default_factory=list)  # (provider, receipt) handed over
    target: State | None = None  # for rows whose next state depends on the case


def submit(ctx: Context) -> None:
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
        ctx.target = State.SUBMITTED
    else:  # resubmission after a correction goes back to where it was asked: pre-review or review
        case.corrections.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        _close_pause(case, Pause.Kind.CORRECTION)
        recompute_deadline(case)
        ctx.target = State.ACCEPTED if case.accepted_on else State.SUBMITTED


def promised_limit(case: Case) -> int:
    """The promised limit at acceptance: the item's, or its shortened 绿色通道 limit for a
    green-channel case where the item has one."""
    item = case.item
    if case.green_channel and item.green_days is not None:
        return item.green_days
    return item.promised_days


def _accept(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    case.accepted_on = ctx.today
    case.accepted_at = timezone.now()
    case.limit_workdays = 0 if item.is_instant else promised_limit(case)
    profile = scope.staff_profile(ctx.actor)
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


def accept(ctx: Context) -> None:
    missing = selectors.missing_materials(ctx.case)
    if missing:
        raise DomainError(
            "材料不齐，不能受理：" + "、".join(m.name for m in missing) + "（可一次性告知补正，或按容缺受理）",
            code="materials_missing",
            detail={"requirement_ids": [m.id for m in missing]},
        )
    _accept(ctx)
    _acceptance_notice(ctx)


def accept_with_deferral(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    deferred_ids = set(ctx.params.deferred)
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
    commitment = Commitment.objects.create(
        case=case,
        kind=Commitment.Kind.DEFERRAL,
        text=ctx.params.commitment,
        signed_by=ctx.params.signed_by or case.applicant.name,
        recorded_by=ctx.actor,
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


def request_correction(ctx: Context) -> None:
    case = ctx.case
    by_id = {m.id: m for m in selectors.required_materials(case)}
    items = []
    for entry in ctx.params.items:
        rid = entry.requirement_id
        if rid is not None and rid not in by_id:
            raise DomainError(
                "补正材料不属于本办件的材料清单", code="unknown_requirement", detail={"requirement_id": rid}
            )
        name = by_id[rid].name if rid is not None else (entry.name or "申请表")
        items.append({"requirement_id": rid, "name": name, "problem": entry.problem})
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


def _refusal(ctx: Context, kind: str) -> None:
    case = ctx.case
    case.decision_reason = ctx.params.reason
    case.decision_legal_basis = ctx.params.legal_basis
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


def reject(ctx: Context) -> None:
    _refusal(ctx, "rejection")


def deny(ctx: Context) -> None:
    _close_pause(ctx.case)
    _refusal(ctx, "denial")


def suspend(ctx: Context) -> None:
    reason = ctx.params.reason
    Pause.objects.create(case=ctx.case, kind=Pause.Kind.SUSPENSION, reason=reason, from_date=ctx.today)
    recompute_deadline(ctx.case)
    ctx.comment = ctx.comment or reason


def resume(ctx: Context) -> None:
    _close_pause(ctx.case, Pause.Kind.SUSPENSION)
    recompute_deadline(ctx.case)


def review(ctx: Context) -> None:
    recommendation = ctx.params.recommendation
    # 审查要点: the item's standard, ticked one by one; approval needs every point met.
    points = ctx.case.item.review_points or []
    met = set(ctx.params.points)
    if not met <= set(range(len(points))):
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


def extend(ctx: Context) -> None:
    case = ctx.case
    days = ctx.params.days
    if not 1 <= days <= selectors.extension_ceiling(case):
        raise invalid_days(ctx)
    reason = ctx.params.reason
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


def invalid_days(ctx: Context) -> DomainError:
    """The answer to days outside 1 … the ceiling (or not a number)."""
    ceiling = selectors.extension_ceiling(ctx.case)
    return DomainError(
        f"延长时限应为1至{ceiling}个工作日（不超过法定时限加可延长时限）",
        code="invalid_days",
        detail={"field": "days", "max": ceiling},
    )


def approve(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    commitment_text = ctx.params.commitment
    if commitment_text:
        if not item.commitment_allowed:
            raise Conflict("该事项不适用告知承诺制", code="commitment_not_allowed")
        due = get_calendar().add_workdays(ctx.today, COMMITMENT_VERIFICATION_WORKDAYS)
        Commitment.objects.create(
            case=case,
            kind=Commitment.Kind.NOTIFY_COMMIT,
            text=commitment_text,
            signed_by=ctx.params.signed_by or case.applicant.name,
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


def issue(ctx: Context) -> None:
    case, item = ctx.case, ctx.case.item
    mode = ctx.params.delivery_mode
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


def deliver(ctx: Context) -> None:
    """送达 through a delivery provider (govhall.delivery): the window, a mail carrier, a
    locker network; the provider checks what it needs (a waybill number, an address)."""
    case, params = ctx.case, ctx.params
    mode = params.delivery_mode or case.delivery_mode or DeliveryMode.WINDOW
    _check_delivery_mode(case, mode)
    provider = provider_for(mode, params.provider or None)
    receipt = provider.hand_over(
        Shipment(
            case_number=case.number,
            item_name=case.item.name,
            recipient=case.applicant.name,
            phone=case.applicant.phone,
            address=params.address or case.delivery_address,
            tracking_number=params.tracking_number,
        )
    )
    ctx.receipts.append((provider, receipt))  # cancelled again if the transition fails
    if receipt.tracking_number:
        case.tracking_number = receipt.tracking_number
    if provider.requires_address:
        case.delivery_address = params.address or case.delivery_address
    case.delivery_mode = mode
    case.closed_at = timezone.now()
    ctx.data.update(delivery_mode=mode, provider=receipt.provider)
    profile = scope.staff_profile(ctx.actor) if ctx.actor else None
    if mode == DeliveryMode.WINDOW and profile is not None and profile.window_id:
        case.issue_window_id = profile.window_id  # 统一窗口出件: which window handed it over
        ctx.data["window"] = profile.window_id


def withdraw(ctx: Context) -> None:
    _close_pause(ctx.case)
    ctx.case.closed_at = timezone.now()


def _revoke(ctx: Context, reason: str) -> None:
    case = ctx.case
    if case.licence_number:
        from govhall.licences.selectors import licence_get
        from govhall.licences.services import licence_revoke

        licence_revoke(licence=licence_get(case.licence_number), actor=ctx.actor, reason=reason)
    _close_pause(case)
    case.decision_reason = reason
    case.closed_at = timezone.now()
    ctx.comment = ctx.comment or reason


def revoke(ctx: Context) -> None:
    _revoke(ctx, ctx.params.reason)


def confirm_deferred(ctx: Context) -> None:
    case = ctx.case
    received = {d.requirement_id: d for d in case.deferrals.filter(status=Deferral.Status.RECEIVED)}
    wanted = set(ctx.params.requirement_ids) or set(received)
    if not wanted <= received.keys():
        raise Conflict("没有已提交待核验的容缺材料", code="nothing_to_confirm", detail={"received": sorted(received)})
    for rid in wanted:
        d = received[rid]
        d.status, d.confirmed_at, d.confirmed_by = Deferral.Status.CONFIRMED, timezone.now(), ctx.actor
        d.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    ctx.data["requirement_ids"] = sorted(wanted)


def verify_commitment(ctx: Context) -> None:
    """告知承诺事后核查: record the check. A failed one recorded by the chief approver revokes
    the decision and its licence at once; recorded by a reviewer, it goes to the chief
    approver (待撤销), who decides the revocation (撤销 is the head of the department's)."""
    case, passed = ctx.case, ctx.params.passed
    commitment = rules.pending_verification(case)
    commitment.verification = Commitment.Verification.PASSED if passed else Commitment.Verification.FAILED
    commitment.verified_at, commitment.verified_by, commitment.verification_comment = (
        timezone.now(),
        ctx.actor,
        ctx.comment,
    )
    commitment.save(update_fields=["verification", "verified_at", "verified_by", "verification_comment"])
    ctx.data["passed"] = passed
    if not passed and workflow.CHIEF in ctx.roles:
        _revoke(ctx, f"告知承诺核查不实：{ctx.comment}")
        ctx.target = State.REVOKED


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
