"""Every change to a precheck (审前服务). The draft it looks at is only read (through
``cases.selectors`` and ``bundles.selectors``): a precheck is not a case transition, and
the draft stays a draft.

The reply is the one notice (一次性告知): written once, in one statement that moves the
request from pending to replied only if it is still pending (two reviewers answering at
once: the second is refused), with every finding beside it; nothing edits it afterwards."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.accounts.roles import Role
from govhall.bundles import selectors as bundle_selectors
from govhall.bundles.models import BundleCaseMember
from govhall.bundles.models import Status as BundleStatus
from govhall.cases import selectors as case_selectors
from govhall.cases.models import State
from govhall.core.errors import Conflict, DomainError, Forbidden
from govhall.prechecks import selectors
from govhall.prechecks.models import Channel, Finding, Outcome, PrecheckRequest, Status
from govhall.workdays.selectors import get_calendar

# Working days a reviewer has to reply: GOVHALL_PRECHECK_REPLY_WORKDAYS (core/env.py); a value
# outside 1-30 falls back to the default.
REPLY_WORKDAYS = 2


def reply_workdays() -> int:
    value = getattr(settings, "GOVHALL_PRECHECK_REPLY_WORKDAYS", REPLY_WORKDAYS)
    return value if isinstance(value, int) and 0 < value <= 30 else REPLY_WORKDAYS


MAX_FINDINGS = 50
MAX_QUESTION = 1000
MAX_SUMMARY = 2000


def _new_number() -> str:
    return f"SQ{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


def _channel(actor: User) -> str:
    role = scope.staff_role(actor)
    if role == Role.ASSISTANT:
        return Channel.STATION
    if role == Role.CLERK:
        return Channel.WINDOW
    return Channel.ONLINE


def precheck_request(
    *, actor: User, case_number: str = "", bundle_case_number: str = "", question: str = ""
) -> PrecheckRequest:
    """Ask for a precheck of one draft (a case, or a whole bundle case), by the applicant's
    side: the applicant or its operator online, an assistant at a station under the
    applicant's authorisation, a clerk who drafted it at the window. One pending request per
    draft; the reply is due in ``reply_workdays()`` working days."""
    if bool(case_number) == bool(bundle_case_number):
        raise DomainError("请指定一个草稿办件或一件事草稿", code="missing_field", detail={"field": "case_number"})
    question = (question or "").strip()
    if len(question) > MAX_QUESTION:
        raise DomainError(f"问题说明不超过{MAX_QUESTION}字", code="invalid_field", detail={"field": "question"})
    case = bundle_case = None
    if case_number:
        case = case_selectors.case_for_actor(case_number, actor)
        if scope.APPLICANT not in case_selectors.actor_roles(actor, case):
            raise Forbidden("只有申请人一方可以申请审前服务", code="role_not_allowed")
        if case.state != State.DRAFT:
            raise Conflict("只有尚未提交的草稿可以申请审前服务", code="not_a_draft")
        if BundleCaseMember.objects.filter(case=case).exists():
            raise Conflict("该办件属于一件事，请对整个一件事申请审前服务", code="use_bundle")
        hall = case.hall or case_selectors.region_hall(case.department.region_id)
        department, subject, applicant = case.department, case.item.name, case.applicant
    else:
        bundle_case = bundle_selectors.bundle_case_for_actor(bundle_case_number, actor)
        if not bundle_selectors.acts_for_applicant(actor, bundle_case):
            raise Forbidden("只有申请人一方可以申请审前服务", code="role_not_allowed")
        if bundle_case.status != BundleStatus.DRAFT:
            raise Conflict("只有尚未提交的草稿可以申请审前服务", code="not_a_draft")
        members = bundle_selectors.members(bundle_case)
        hall = bundle_case.hall or (members[0].case.hall if members else None)
        department, subject, applicant = None, bundle_case.bundle.name, bundle_case.applicant
    if hall is None:
        raise DomainError("未找到受理大厅，请到窗口咨询", code="no_hall")
    due = get_calendar().add_workdays(timezone.localdate(), reply_workdays())
    for _ in range(8):
        try:
            with transaction.atomic():
                return PrecheckRequest.objects.create(
                    number=_new_number(),
                    case=case,
                    bundle_case=bundle_case,
                    applicant=applicant,
                    requested_by=actor,
                    channel=_channel(actor),
                    hall=hall,
                    department=department,
                    subject=subject[:200],
                    question=question,
                    due_date=due,
                )
        except IntegrityError:
            draft = {"case": case} if case is not None else {"bundle_case": bundle_case}
            if PrecheckRequest.objects.filter(status=Status.PENDING, **draft).exists():
                raise Conflict("该草稿已有待答复的审前服务申请", code="precheck_pending") from None
    raise DomainError("无法生成编号，请重试", code="number_exhausted", status=503)


def _text(item: dict, key: str, label: str, limit: int, index: int) -> str:
    value = item.get(key)
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise DomainError(f"第{index}项请填写{label}", code="invalid_finding", detail={"index": index, "field": key})
    if len(value) > limit:
        raise DomainError(
            f"第{index}项的{label}不超过{limit}字", code="invalid_finding", detail={"index": index, "field": key}
        )
    return value


def _clean_findings(request: PrecheckRequest, findings: Any) -> list[Finding]:
    if not isinstance(findings, list):
        raise DomainError("告知项应为列表", code="invalid_finding", detail={"field": "findings"})
    if len(findings) > MAX_FINDINGS:
        raise DomainError(f"告知项最多{MAX_FINDINGS}项", code="invalid_finding", detail={"field": "findings"})
    cases = {c.number: c for c in selectors.draft_cases(request)}
    requirements = {n: {r.id for r in case_selectors.required_materials(c)} for n, c in cases.items()}
    out = []
    for index, item in enumerate(findings, start=1):
        if not isinstance(item, dict):
            raise DomainError(f"第{index}项格式不正确", code="invalid_finding", detail={"index": index})
        kind = item.get("kind")
        if kind not in Finding.Kind.values:
            raise DomainError(
                f"第{index}项的类别应为材料、申请表或其他",
                code="invalid_finding",
                detail={"index": index, "field": "kind", "allowed": Finding.Kind.values},
            )
        number = item.get("case_number") or (request.case.number if request.case_id else "")
        if number not in cases:
            raise DomainError(
                f"第{index}项所指的办件不在本草稿中",
                code="invalid_finding",
                detail={"index": index, "field": "case_number"},
            )
        requirement_id = item.get("requirement_id")
        if requirement_id is not None and (
            kind != Finding.Kind.MATERIAL
            or not isinstance(requirement_id, int)
            or requirement_id not in requirements[number]
        ):
            raise DomainError(
                f"第{index}项所指的材料不在该办件的材料清单中",
                code="invalid_finding",
                detail={"index": index, "field": "requirement_id"},
            )
        out.append(
            Finding(
                request=request,
                order=index,
                kind=kind,
                case_number=number,
                target=_text(item, "target", "材料或字段名称", 200, index),
                requirement_id=requirement_id,
                problem=_text(item, "problem", "存在的问题", 500, index),
                needed=_text(item, "needed", "修改要求", 500, index),
            )
        )
    return out


def precheck_reply(
    *, actor: User, request: PrecheckRequest | str, outcome: str, findings: list[dict] | None = None, summary: str = ""
) -> PrecheckRequest:
    """一次性告知: the reviewer's one answer — everything to fix, per material or field, with
    the problem and what is needed (``outcome`` fix), or nothing to fix (ready). Once: a
    second answer, or an answer to a withdrawn request, is refused. The applicant is told."""
    from govhall.notify.services import notification_send

    number = request if isinstance(request, str) else request.number
    request = selectors.request_for(actor, number)
    if not selectors.may_reply(actor, request):
        raise Forbidden("审前服务由受理大厅的综合窗口或该事项审批部门的审查人员答复", code="role_not_allowed")
    if request.status == Status.REPLIED:
        raise Conflict("该审前服务已一次性告知，不能再次答复或修改", code="already_replied")
    if request.status == Status.WITHDRAWN:
        raise Conflict("申请人已撤回该审前服务申请", code="precheck_withdrawn")
    if outcome not in Outcome.values:
        raise DomainError("结论应为“需修改”或“无需修改”", code="invalid_field", detail={"field": "outcome"})
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise DomainError(f"告知说明不超过{MAX_SUMMARY}字", code="invalid_field", detail={"field": "summary"})
    rows = _clean_findings(request, findings or [])
    if outcome == Outcome.FIX and not rows:
        raise DomainError("需修改时请逐项列出需要修改的内容", code="invalid_finding", detail={"field": "findings"})
    if outcome == Outcome.READY and rows:
        raise DomainError("列出需修改的内容时，结论应为“需修改”", code="invalid_field", detail={"field": "outcome"})
    now = timezone.now()
    with transaction.atomic():
        moved = PrecheckRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=Status.REPLIED, reviewer=actor, replied_at=now, outcome=outcome, summary=summary
        )
        if not moved:
            current = PrecheckRequest.objects.filter(pk=request.pk).values_list("status", flat=True).first()
            if current == Status.WITHDRAWN:
                raise Conflict("申请人已撤回该审前服务申请", code="precheck_withdrawn")
            raise Conflict("该审前服务已一次性告知，不能再次答复或修改", code="already_replied")
        Finding.objects.bulk_create(rows)
        request.refresh_from_db()
        if outcome == Outcome.FIX:
            text = (
                f"您申请的审前服务{request.number}（{request.subject}）已答复：需要修改{len(rows)}项，"
                "请在草稿页面查看一次性告知清单，修改后再提交。"
            )
        else:
            text = f"您申请的审前服务{request.number}（{request.subject}）已答复：材料和申请表无需修改，可以提交。"
        recipients = set(scope.operator_user_ids(request.applicant)) | {request.requested_by_id}
        if request.applicant.user_id:
            recipients.add(request.applicant.user_id)
        notification_send(event="prechecks.replied", text=text, user_ids=recipients, case_number=request.draft_number)
    return request


# Who may answer a request (selectors.may_reply): the hall's general window and, for one
# item's draft, the department's reviewers; their managers see the list too.
_HALL_ROLES = (Role.CLERK, Role.HALL_MANAGER)
_DEPARTMENT_ROLES = (Role.REVIEWER, Role.CHIEF_APPROVER)


def remind_overdue(*, today: datetime.date | None = None) -> int:
    """审前服务 past its reply date: the staff who answer it (the hall's clerks and hall
    managers; the department's reviewers and chief approvers for one item's draft) get one
    in-site message each, once per request (a staff work alert: no SMS). Returns how many
    requests were reminded. Run daily (``manage.py prechecks_overdue``)."""
    from govhall.accounts.models import StaffProfile
    from govhall.notify.services import notification_send

    today = today or timezone.localdate()
    late = PrecheckRequest.objects.filter(status=Status.PENDING, due_date__lt=today, overdue_reminded_at__isnull=True)
    reminded = 0
    for request in late.select_related("case", "bundle_case").order_by("due_date", "id"):
        with transaction.atomic():
            claimed = PrecheckRequest.objects.filter(
                pk=request.pk, status=Status.PENDING, overdue_reminded_at__isnull=True
            ).update(overdue_reminded_at=timezone.now())
            if not claimed:  # answered, withdrawn or reminded by another run meanwhile
                continue
            who = Q(role__in=_HALL_ROLES, hall_id=request.hall_id)
            if request.department_id is not None:
                who |= Q(role__in=_DEPARTMENT_ROLES, department_id=request.department_id)
            users = set(StaffProfile.objects.filter(who, user__is_active=True).values_list("user_id", flat=True))
            notification_send(
                event="prechecks.overdue",
                text=f"审前服务{request.number}（{request.subject}）已超过答复期限{request.due_date:%Y-%m-%d}，"
                "请尽快一次性告知申请人。",
                user_ids=users,
                case_number=request.draft_number,
                sms=False,
            )
        reminded += 1
    return reminded


def precheck_withdraw(*, actor: User, request: PrecheckRequest | str) -> PrecheckRequest:
    """The applicant's side takes back a request not yet answered."""
    number = request if isinstance(request, str) else request.number
    request = selectors.request_for(actor, number)
    if not selectors.is_applicant_side(actor, request):
        raise Forbidden("只有申请人一方可以撤回", code="role_not_allowed")
    if not PrecheckRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(status=Status.WITHDRAWN):
        raise Conflict("该审前服务已答复或已撤回", code="not_pending")
    request.refresh_from_db()
    return request
