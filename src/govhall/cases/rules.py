"""The rules about a case that do not depend on what a request sends: the actions' guards
and who may attach which material.

A guard is one function that both refuses an action with a coded error and decides whether
the action is offered: ``actions.offered`` lists an action only when its guard passes, and
``services.case_transition`` calls the same guard before the action's effect. Guards read
the case and the rows a page prefetches (deferrals, commitments) and never write.
"""

from __future__ import annotations

import datetime

from govhall.cases import selectors, workflow
from govhall.cases.models import Case, Commitment, Deferral, SubmittedMaterial
from govhall.catalog.models import MaterialRequirement
from govhall.core.errors import Conflict, DomainError, Forbidden

# --------------------------------------------------------------------------- the actions' guards


def deferral_allowed(case: Case, roles: set[str], today: datetime.date) -> None:
    if not case.item.deferral_allowed:
        raise Conflict("该事项不适用容缺受理", code="deferral_not_allowed")


def chief_or_instant(case: Case, roles: set[str], today: datetime.date) -> None:
    """A clerk decides only instant items (即办件), on the spot; the chief approver decides all."""
    if workflow.CHIEF not in roles and not case.item.is_instant:
        raise Forbidden("只有首席审批员可以作出审批决定（综合窗口仅可当场办结即办件）", code="role_not_allowed")


def deferred_received(case: Case, roles: set[str], today: datetime.date) -> None:
    received = [d.requirement_id for d in case.deferrals.all() if d.status == Deferral.Status.RECEIVED]
    if not case.item.deferral_allowed or not received:
        raise Conflict("没有已提交待核验的容缺材料", code="nothing_to_confirm", detail={"received": received})


def extendable(case: Case, roles: set[str], today: datetime.date) -> None:
    """延长审批期限 (行政许可法第四十二条): once, never for an instant item, before it falls due."""
    if case.extended_workdays:
        raise Conflict("办理期限已经延长过一次，不能再次延长", code="already_extended")
    if selectors.extension_ceiling(case) == 0:
        raise Conflict("该办件不能延长办理期限", code="extension_not_allowed")
    if selectors.deadline_passed(case, today):
        raise Conflict("办理期限已经届满，不能再延长", code="deadline_passed", detail={"due_date": str(case.due_date)})


def deferrals_settled(case: Case, roles: set[str], today: datetime.date) -> None:
    """A result goes out only once every deferred material was supplied and checked."""
    outstanding = [d for d in case.deferrals.all() if d.status != Deferral.Status.CONFIRMED]
    if outstanding:
        raise Conflict(
            "容缺材料尚未补齐并核验，不能出件：" + "、".join(d.requirement.name for d in outstanding),
            code="deferred_materials_outstanding",
            detail={"requirement_ids": [d.requirement_id for d in outstanding]},
        )


def revocation_justified(case: Case, roles: set[str], today: datetime.date) -> None:
    """Before a decision only an overdue deferral justifies revocation; after one, the chief
    approver may revoke (a failed 告知承诺 check, a decision found unlawful)."""
    if case.state in workflow.UNDER_REVIEW and not selectors.overdue_deferrals(case, today):
        raise Conflict("审批决定作出前，只有容缺材料逾期未补齐时才可撤销", code="revoke_not_justified")


def verification_pending(case: Case, roles: set[str], today: datetime.date) -> None:
    if pending_verification(case) is None:
        raise Conflict("该办件没有待核查的告知承诺", code="nothing_to_verify")


def pending_verification(case: Case) -> Commitment | None:
    """The notify-and-commit approval's check still to be done (告知承诺事后核查), if any."""
    return next(
        (
            c
            for c in case.commitments.all()
            if c.kind == Commitment.Kind.NOTIFY_COMMIT and c.verification == Commitment.Verification.PENDING
        ),
        None,
    )


def failed_verification(case: Case) -> Commitment | None:
    """A notify-and-commit check recorded as failed (核查不实) whose result still stands:
    the chief approver is to revoke it."""
    if case.state not in workflow.DECIDED_FOR:
        return None
    return next(
        (
            c
            for c in case.commitments.all()
            if c.kind == Commitment.Kind.NOTIFY_COMMIT and c.verification == Commitment.Verification.FAILED
        ),
        None,
    )


# --------------------------------------------------------------------------- materials


def upload_refusal(
    case: Case,
    roles: set[str],
    requirement: MaterialRequirement | None,
    *,
    pending_deferral: bool,
    supplied_from_licence: bool,
) -> DomainError | None:
    """Why ``roles`` may not attach a file for ``requirement`` now, or None when they may.
    The service refuses with it; the case page offers an upload only where it is None."""
    if requirement is not None and requirement.source == MaterialRequirement.Source.SHARED_DATA:
        return Conflict("该材料由部门共享数据获取，无需上传", code="material_from_shared_data")
    if supplied_from_licence:
        return Conflict("该材料已调用电子证照，无需上传", code="material_from_licence")
    if pending_deferral:
        allowed = workflow.DEFERRED_UPLOADS
    elif case.state in workflow.UPLOADS:
        allowed = workflow.UPLOADS[case.state]
    else:
        return Conflict(f"办件当前状态为“{case.get_state_display()}”，不能再上传材料", code="upload_not_allowed")
    if not roles & set(allowed):
        return Forbidden("无权为该办件上传材料", code="upload_forbidden")
    return None


def licence_supplied(materials: list[SubmittedMaterial], requirement_id: int) -> bool:
    """Whether the current material for the requirement came from the licence library."""
    return any(
        m.requirement_id == requirement_id and m.current and m.source == SubmittedMaterial.Source.LICENCE
        for m in materials
    )
