"""Reads of prechecks (审前服务) and who may see and answer them.

Scope (``accounts.scope``, ``PRECHECK_SCOPE``): the applicant side (the applicant, its
operators, whoever asked for it: an assistant at a station, a clerk at the window) sees its
own; staff see by the one policy: clerks and hall managers the prechecks of their hall,
reviewers and chief approvers those of their department (a single item's draft), supervisors
their region, administrators all. Who answers (``may_reply``): a clerk of the hall (any
draft, a whole bundle included: the general window knows every item), or a reviewer or chief
approver of the item's department (a single item's draft). Hall managers and supervisors
read and count, and do not answer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.accounts.roles import Role
from govhall.bundles import selectors as bundle_selectors
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case, SubmittedMaterial
from govhall.catalog.models import SituationOption
from govhall.core.errors import NotFound
from govhall.prechecks.models import PrecheckRequest, Status

PRECHECK_SCOPE = scope.Policy(
    applicant="applicant", filer="requested_by", hall="hall", department="department", region="hall__region"
)
REPLIERS = (Role.CLERK, Role.REVIEWER, Role.CHIEF_APPROVER)
# staff roles that see the 审前服务 list (and its counts)
STAFF = (Role.CLERK, Role.REVIEWER, Role.CHIEF_APPROVER, Role.HALL_MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _base() -> QuerySet[PrecheckRequest]:
    return PrecheckRequest.objects.select_related(
        "case", "case__item", "bundle_case", "bundle_case__bundle", "applicant", "hall", "department", "reviewer"
    )


def visible_requests(user: User) -> QuerySet[PrecheckRequest]:
    return scope.visible(user, _base(), PRECHECK_SCOPE)


def can_see(user: User, request: PrecheckRequest) -> bool:
    return scope.can_see(user, request, PRECHECK_SCOPE)


def request_for(user: User, number: str) -> PrecheckRequest:
    """The precheck if ``user`` may see it; otherwise NotFound (never Forbidden)."""
    found = _base().filter(number=number).first()
    if found is None or not can_see(user, found):
        raise NotFound("未找到该审前服务申请", code="precheck_not_found")
    return found


def is_applicant_side(user: User, request: PrecheckRequest) -> bool:
    return scope.is_applicant_side(user, request, PRECHECK_SCOPE)


def may_reply(user: User, request: PrecheckRequest) -> bool:
    found = scope.reach(user)
    if found is None:
        return False
    if found.everything:
        return True
    if found.role == Role.CLERK:
        return found.hall is not None and found.hall == request.hall_id
    if found.role in (Role.REVIEWER, Role.CHIEF_APPROVER):
        return request.department_id is not None and found.department == request.department_id
    return False


def mine(user: User) -> QuerySet[PrecheckRequest]:
    if not user.is_authenticated:
        return PrecheckRequest.objects.none()
    return _base().filter(scope.applicant_filter(user, PRECHECK_SCOPE)).order_by("-created_at", "-id")


def staff_list(user: User, status: str = "") -> QuerySet[PrecheckRequest]:
    """The prechecks ``user`` sees as staff (none for applicants), pending first by due date."""
    condition = scope.staff_filter(user, PRECHECK_SCOPE)
    if condition is None:
        return PrecheckRequest.objects.none()
    qs = _base().filter(condition)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "due_date", "id")


def pending_for(case: Case) -> PrecheckRequest | None:
    return PrecheckRequest.objects.filter(case=case).order_by("-created_at", "-id").first()


def latest_for_bundle(bundle_case) -> PrecheckRequest | None:
    return PrecheckRequest.objects.filter(bundle_case=bundle_case).order_by("-created_at", "-id").first()


# --------------------------------------------------------------------------- the draft, read-only


def draft_cases(request: PrecheckRequest) -> list[Case]:
    if request.case_id:
        return [request.case]
    return [m.case for m in bundle_selectors.members(request.bundle_case)]


def _answers(case: Case) -> list[dict]:
    ids = [int(v) for v in (case.situation_answers or {}).values()]
    options = SituationOption.objects.filter(pk__in=ids).select_related("situation")
    return [{"question": o.situation.question, "answer": o.label} for o in options]


def draft_view(request: PrecheckRequest) -> list[dict]:
    """What the reviewer reads, per draft case: its form, situation answers, the checklist of
    required materials (supplied or not) and the current uploads."""
    out = []
    for case in draft_cases(request):
        supplied = case_selectors.supplied_requirement_ids(case)
        uploads = (
            SubmittedMaterial.objects.filter(case=case, current=True)
            .select_related("requirement")
            .order_by("requirement__order", "id")
        )
        out.append(
            {
                "case_number": case.number,
                "state": case.state,
                "item_name": case.item.name,
                "department": case.department.name,
                "form": [{"name": k, "value": str(v)} for k, v in (case.form or {}).items()],
                "answers": _answers(case),
                "checklist": [
                    {"requirement_id": r.id, "name": r.name, "required": r.required, "supplied": r.id in supplied}
                    for r in case_selectors.required_materials(case)
                ],
                "uploads": [
                    {
                        "id": m.id,
                        "requirement_id": m.requirement_id,
                        "name": m.requirement.name,
                        "source": m.source,
                        "file_name": m.original_name,
                        "size": m.size,
                        "uploaded_at": m.uploaded_at,
                        "has_file": bool(m.file),
                    }
                    for m in uploads
                ],
            }
        )
    return out


def material_of(request: PrecheckRequest, material_id: int) -> SubmittedMaterial:
    found = SubmittedMaterial.objects.filter(
        pk=material_id, case_id__in=[c.pk for c in draft_cases(request)], current=True
    ).first()
    if found is None or not found.file:
        raise NotFound("未找到该材料", code="material_not_found")
    return found


# --------------------------------------------------------------------------- counts (separate from cases)


@dataclass(frozen=True)
class CountRow:
    department: str
    status: str
    outcome: str
    count: int


def counts(user: User, start: datetime.date, end: datetime.date) -> list[CountRow]:
    """Prechecks asked for between ``start`` and ``end`` (inclusive, local dates) within the
    user's staff scope, by department, status and outcome. Bundle drafts count under 一件事."""
    qs = staff_list(user).filter(created_at__date__gte=start, created_at__date__lte=end)
    rows = qs.order_by().values("department__name", "status", "outcome").annotate(n=Count("id"))
    found = [CountRow(r["department__name"] or "一件事（综合窗口）", r["status"], r["outcome"], r["n"]) for r in rows]
    return sorted(found, key=lambda r: (r.department, r.status, r.outcome))


def totals(rows: list[CountRow]) -> dict[str, int]:
    out = {"total": 0, Status.PENDING: 0, Status.REPLIED: 0, Status.WITHDRAWN: 0, "ready": 0, "fix": 0}
    for r in rows:
        out["total"] += r.count
        out[r.status] += r.count
        if r.outcome:
            out[r.outcome] += r.count
    return out


def overdue(user: User, today: datetime.date) -> QuerySet[PrecheckRequest]:
    return staff_list(user, Status.PENDING).filter(due_date__lt=today)
