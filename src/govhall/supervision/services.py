"""Every change the supervision app makes: the sweep and its notices, intake alerts,
bulletins (通报) and the import of cases from departments' own systems (``imports.py``)."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from govhall.accounts.models import StaffProfile, User
from govhall.accounts.roles import Role
from govhall.cases.models import Case
from govhall.catalog.models import Department
from govhall.core.errors import DomainError, Forbidden
from govhall.notify.services import notification_send
from govhall.supervision import selectors, sweep
from govhall.supervision.models import Alert, Bulletin, Level, Subject

logger = logging.getLogger("govhall.supervision")

# Who is responsible for a case in each queue it reaches, by the workflow action that put
# it there: (queue, its Chinese name, the staff role, whether by the case's hall or department).
INTAKE: dict[str, tuple[str, str, str, str]] = {
    "submit": ("prereview", "待预审", Role.CLERK, "hall"),
    "accept": ("review", "待审查", Role.REVIEWER, "department"),
    "accept_with_deferral": ("review", "待审查", Role.REVIEWER, "department"),
    "resume": ("review", "待审查", Role.REVIEWER, "department"),
    "review": ("decision", "待决定", Role.CHIEF_APPROVER, "department"),
    "approve": ("issue", "待出件", Role.CLERK, "hall"),
}

# Who answers for a warning, by subject: the department's reviewers and chief approvers;
# for deferred materials (容缺) also the clerks of the hall that took the case in.
DEPARTMENT_ROLES = (Role.REVIEWER, Role.CHIEF_APPROVER)


def staff_ids(
    *, role: str | tuple[str, ...], hall_id: int | None = None, department_id: int | None = None
) -> list[int]:
    roles = (role,) if isinstance(role, str) else role
    qs = StaffProfile.objects.filter(role__in=roles, user__is_active=True)
    if hall_id is not None:
        qs = qs.filter(hall_id=hall_id)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if hall_id is None and department_id is None:
        return []
    return sorted(qs.values_list("user_id", flat=True))


# --------------------------------------------------------------------------- intake (收件提醒)


def intake_record(*, case_id: int, action: str, today: datetime.date | None = None) -> Alert | None:
    """A case reached a queue: record the intake alert once and tell the queue's staff.

    Idempotent (events are delivered at least once): the second call finds the alert."""
    found = INTAKE.get(action)
    if found is None:
        return None
    queue, queue_label, role, by = found
    case = Case.objects.select_related("department", "item").filter(pk=case_id).first()
    if case is None:
        return None
    today = today or timezone.localdate()
    with transaction.atomic():
        key = {"subject": Subject.CASE, "subject_id": case.pk, "level": Level.INTAKE, "due_date": today, "queue": queue}
        if Alert.objects.filter(**key).exists():
            return None
        now = timezone.now()
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    **key,
                    case=case,
                    department_id=case.department_id,
                    region_id=case.department.region_id,
                    hall_id=case.hall_id,
                    item_id=case.item_id,
                    window_id=case.intake_window_id,
                    staff_id=None,
                    created_at=now,
                    notified_at=now,
                )
        except IntegrityError:  # a concurrent delivery of the same event recorded it
            return None
        if by == "hall":
            recipients = staff_ids(role=role, hall_id=case.hall_id) if case.hall_id else []
        else:
            recipients = staff_ids(role=role, department_id=case.department_id)
        if recipients:
            due = f"，到期日{case.due_date:%Y-%m-%d}" if case.due_date else ""
            notification_send(
                event="supervision.intake",
                text=f"收件提醒：办件{case.number}（{case.item.name}）已进入{queue_label}队列{due}，请及时办理。",
                user_ids=recipients,
                case_number=case.number,
                sms=False,  # in-site only: a phone is not paged for every case reaching a queue
            )
    return alert


# --------------------------------------------------------------------------- the sweep


def case_alerts_resolve(*, case_id: int) -> int:
    """After a case moved (concluded, paused, extended, a deferral confirmed…): its warnings
    that no longer stand are resolved at once, not at the next sweep."""
    with transaction.atomic():
        sweep.no_jit()
        return sweep.resolve(timezone.now(), case_ids=[case_id])


def sweep_run(*, today: datetime.date | None = None, notify: bool = True) -> sweep.SweepResult:
    """Record every warning due today (set-based, see ``sweep.py``) and tell the responsible
    staff of each department once about the new ones, in one transaction."""
    today = today or timezone.localdate()
    with transaction.atomic():
        now = timezone.now()
        recorded = sweep.record(today, now=now)
        result = sweep.SweepResult(today=today, recorded=recorded)
        result.resolved = sweep.resolve(now, recorded_at=now if any(recorded.values()) else None)
        if notify:
            result.notified = notify_new_alerts()
    logger.info("supervision sweep %s: %s recorded, %s notices", today, result.recorded, result.notified)
    return result


def notify_new_alerts(limit_numbers: int = 5) -> int:
    """One notice per department, level and subject for the warnings not notified yet, to the
    department's reviewers and chief approvers (for deferrals also the hall's clerks); then
    the warnings are marked notified. Returns the notices sent."""
    pending = Alert.objects.filter(notified_at__isnull=True).exclude(level=Level.INTAKE)
    groups = list(
        pending.order_by().values("department_id", "level", "subject").annotate(n=Count("id")).order_by("department_id")
    )
    if not groups:
        return 0
    departments = Department.objects.in_bulk({g["department_id"] for g in groups})
    sent = 0
    for group in groups:
        rows = pending.filter(
            department_id=group["department_id"], level=group["level"], subject=group["subject"]
        ).order_by("due_date", "id")
        numbers = selectors.alert_numbers(rows[:limit_numbers])
        recipients = set(staff_ids(role=DEPARTMENT_ROLES, department_id=group["department_id"]))
        if group["subject"] == Subject.DEFERRAL:
            halls = set(rows.exclude(hall_id=None).values_list("hall_id", flat=True).distinct())
            for hall_id in halls:
                recipients |= set(staff_ids(role=Role.CLERK, hall_id=hall_id))
        if not recipients:
            continue
        more = "等" if group["n"] > len(numbers) else ""
        text = (
            f"{Level(group['level']).label}（{Subject(group['subject']).label}）："
            f"{departments[group['department_id']].name}有{group['n']}件，"
            f"{'、'.join(numbers)}{more}，请及时办理。"
        )
        notification_send(
            event=f"supervision.{group['level']}",
            text=text,
            user_ids=sorted(recipients),
            case_number=numbers[0] if len(numbers) == 1 else "",
            sms=group["level"] != "yellow",  # a daily summary; by SMS once red or overdue
        )
        sent += 1
    pending.update(notified_at=timezone.now())
    return sent


# --------------------------------------------------------------------------- bulletins (通报)


def bulletin_issue(*, actor: User, department_id: int, text: str) -> Bulletin:
    """A supervisor (or administrator) issues a bulletin to a department in their scope about
    its overdue cases; the department's staff are told."""
    if not selectors.may_supervise(actor) or not selectors.may_issue_bulletins(actor):
        raise Forbidden("只有电子监察员或系统管理员可以发布通报")
    department = selectors.departments_in_scope(actor).filter(pk=department_id).first()
    if department is None:
        raise DomainError("部门不存在或不在您的监察范围内", code="department_not_found", status=404)
    text = (text or "").strip()
    if not text:
        raise DomainError("请填写通报内容", code="text_required", detail={"field": "text"})
    if len(text) > 2000:
        raise DomainError("通报内容不能超过2000字", code="text_too_long", detail={"field": "text"})
    overdue = selectors.overdue_numbers(department)
    with transaction.atomic():
        bulletin = Bulletin.objects.create(
            department=department,
            region_id=department.region_id,
            issued_by=actor,
            text=text,
            case_numbers=overdue[:200],
            overdue_count=len(overdue),
        )
        recipients = StaffProfile.objects.filter(department=department, user__is_active=True).values_list(
            "user_id", flat=True
        )
        if recipients:
            notification_send(
                event="supervision.bulletin",
                text=f"电子监察通报（{department.name}，超时办件{len(overdue)}件）：{text}",
                user_ids=sorted(recipients),
            )
    return bulletin
