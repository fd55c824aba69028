"""Reads of evaluations, callback tasks and evaluator screens (no writes here)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import StaffProfile, User
from govhall.accounts.roles import Role
from govhall.cases.models import Case
from govhall.core.errors import NotFound
from govhall.evaluations.models import BAD_LEVELS, GOOD_LEVELS, CallbackTask, Evaluation


def satisfaction(cases) -> tuple[int, int]:
    """(satisfied, total) over the case-bound evaluations of ``cases`` (a QuerySet of
    ``cases.Case``); satisfied = 非常满意 / 满意 / 基本满意. One query; the cases stay a
    subquery, so it works on any number of them."""
    row = Evaluation.objects.filter(case__in=cases.values("pk")).aggregate(
        satisfied=Count("pk", filter=Q(level__in=GOOD_LEVELS)), total=Count("pk")
    )
    return row["satisfied"] or 0, row["total"] or 0


# --------------------------------------------------------------------------- scope

# An evaluation is the applicant's (their side sees their own); staff reach it like the
# case it is about: the hall that served it, the department that answers for it, its region.
EVALUATION_SCOPE = scope.Policy(
    applicant="applicant", hall="hall", department="department", region="department__region"
)
# A callback task: the same dimensions through its evaluation; the department is the task's.
TASK_SCOPE = scope.Policy(
    applicant="applicant", hall="evaluation__hall", department="department", region="department__region"
)


def visible_evaluations(user: User) -> QuerySet[Evaluation]:
    return scope.visible(user, Evaluation.objects.all(), EVALUATION_SCOPE)


def mine(user: User) -> QuerySet[Evaluation]:
    """The evaluations of the applicants ``user`` is or operates for."""
    if not user.is_authenticated:
        return Evaluation.objects.none()
    return (
        Evaluation.objects.filter(scope.applicant_filter(user, EVALUATION_SCOPE))
        .select_related("case", "item", "department", "follow_up", "callback_task")
        .order_by("-created_at", "-id")
    )


def staff_evaluations(user: User) -> QuerySet[Evaluation]:
    """The evaluations ``user`` sees as staff (none for applicants)."""
    condition = scope.staff_filter(user, EVALUATION_SCOPE)
    if condition is None:
        return Evaluation.objects.none()
    return (
        Evaluation.objects.filter(condition)
        .select_related("case", "item", "department", "window", "callback_task")
        .order_by("-created_at", "-id")
    )


# Who answers for a department's evaluations (回访整改): its reviewers and chief approvers;
# for the body that runs a hall (``Hall.department``) also the hall's managers, since the
# general windows' clerks belong to no line department.
DEPARTMENT_ROLES = (Role.REVIEWER, Role.CHIEF_APPROVER)


def _answering_q(department_id: int) -> Q:
    return Q(role__in=DEPARTMENT_ROLES, department_id=department_id) | Q(
        role=Role.HALL_MANAGER, hall__department_id=department_id
    )


def answering_staff(department_id: int) -> list[int]:
    """The user ids who answer for ``department_id``'s evaluations (told of callback tasks)."""
    return list(StaffProfile.objects.filter(_answering_q(department_id)).values_list("user_id", flat=True))


def answers_for(user: User, department_id: int) -> bool:
    """Whether ``user`` acts on the callback tasks of ``department_id`` (the rule above)."""
    profile = scope.staff_profile(user)
    if profile is None or profile.role not in (*DEPARTMENT_ROLES, Role.HALL_MANAGER):
        return False
    return StaffProfile.objects.filter(_answering_q(department_id), pk=profile.pk).exists()


def visible_tasks(user: User) -> QuerySet[CallbackTask]:
    return scope.visible(user, CallbackTask.objects.all(), TASK_SCOPE)


def staff_tasks(user: User, *, state: str | None = None) -> QuerySet[CallbackTask]:
    """The callback tasks ``user`` sees as staff: their department's (reviewers, chief
    approvers), their hall's (clerks, hall managers), their region's (supervisors)."""
    condition = scope.staff_filter(user, TASK_SCOPE)
    if condition is None:
        return CallbackTask.objects.none()
    qs = CallbackTask.objects.filter(condition)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related(
        "evaluation", "evaluation__case", "evaluation__item", "evaluation__applicant", "department"
    ).order_by("state", "callback_due", "id")


def task_for(user: User, pk: int) -> CallbackTask:
    task = (
        visible_tasks(user)
        .select_related("evaluation", "evaluation__case", "evaluation__item", "evaluation__applicant", "department")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise NotFound("未找到该回访任务", code="task_not_found")
    return task


def evaluation_for_case(case: Case) -> Evaluation | None:
    return Evaluation.objects.filter(case=case).select_related("follow_up").first()


def task_counts(user: User) -> dict[str, int]:
    rows = staff_tasks(user).order_by().values("state").annotate(n=Count("pk"))
    counts = {state: 0 for state in CallbackTask.State.values}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def overdue_tasks(user: User, today: datetime.date | None = None) -> QuerySet[CallbackTask]:
    today = today or timezone.localdate()
    return staff_tasks(user).filter(
        Q(state=CallbackTask.State.PENDING_CALLBACK, callback_due__lt=today)
        | Q(state=CallbackTask.State.PENDING_RECTIFICATION, rectification_due__lt=today)
    )


# --------------------------------------------------------------------------- public disclosure


@dataclass(frozen=True)
class Rate:
    name: str
    code: str
    total: int
    good: int
    bad: int

    @property
    def percent(self) -> str:
        return f"{100 * self.good / self.total:.1f}%" if self.total else "—"


def _rates(name: str, code: str, qs: QuerySet[Evaluation]) -> list[Rate]:
    """Counts grouped by ``code`` (a department's code; an item's 实施编码, which its versions
    share, so an item counts once however often it was revised), named by ``name``."""
    rows = (
        qs.order_by()
        .values(code)
        .annotate(
            label=Max(name),
            total=Count("pk"),
            good=Count("pk", filter=Q(level__in=GOOD_LEVELS)),
            bad=Count("pk", filter=Q(level__in=BAD_LEVELS)),
        )
        .order_by("label")
    )
    return [Rate(name=r["label"], code=r[code], total=r["total"], good=r["good"], bad=r["bad"]) for r in rows]


def public_department_rates(since: datetime.date | None = None) -> list[Rate]:
    qs = Evaluation.objects.all()
    if since:
        qs = qs.filter(created_at__date__gte=since)
    return _rates("department__name", "department__code", qs)


def public_item_rates(since: datetime.date | None = None) -> list[Rate]:
    qs = Evaluation.objects.filter(item__isnull=False)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    return _rates("item__name", "item__code", qs)


def public_totals(since: datetime.date | None = None) -> Rate:
    qs = Evaluation.objects.all()
    if since:
        qs = qs.filter(created_at__date__gte=since)
    row = qs.aggregate(
        total=Count("pk"),
        good=Count("pk", filter=Q(level__in=GOOD_LEVELS)),
        bad=Count("pk", filter=Q(level__in=BAD_LEVELS)),
    )
    return Rate(name="合计", code="", total=row["total"], good=row["good"], bad=row["bad"])


def public_bad_reviews(limit: int = 100) -> list[dict]:
    """差评及整改情况, without personal data: the department, the item, the level, when, the
    task's state, the rectification's cause (a category) and the applicant's answer. Free
    text is never shown here: the applicant's comment and the department's measures may name
    people (the applicant, the staff member at fault), which masking cannot catch."""
    rows = []
    tasks = (
        CallbackTask.objects.select_related("evaluation", "evaluation__item", "department")
        .prefetch_related("rectifications")
        .order_by("-evaluation__created_at", "-id")[:limit]
    )
    for task in tasks:
        rectification = list(task.rectifications.all())[-1:] or [None]
        last = rectification[0]
        rows.append(
            {
                "department": task.department.name,
                "item": task.evaluation.item.name if task.evaluation.item_id else "（工作人员评价）",
                "level": task.evaluation.get_level_display(),
                "date": task.evaluation.created_at,
                "state": task.get_state_display(),
                "closed": task.state == CallbackTask.State.CLOSED,
                "cause": last.get_cause_display() if last else "",
                "response": task.get_applicant_response_display() if task.applicant_response else "",
            }
        )
    return rows


# Who applicants evaluate without a case (工作人员评价): window clerks, reviewers and chief
# approvers who belong to a department (an evaluation is counted for its department).
EVALUATED_STAFF_ROLES = (Role.CLERK, Role.REVIEWER, Role.CHIEF_APPROVER)


def evaluable_staff(user_id: int) -> User | None:
    """The staff member behind a 工作人员评价 page or card, or None (an unknown id, someone
    else, a staff member nobody answers for: no department, no hall run by one). Ids beyond
    64 bits are no row."""
    if not 0 < user_id < 2**63:
        return None
    answered = Q(staff_profile__department__isnull=False) | Q(staff_profile__hall__department__isnull=False)
    return (
        User.objects.filter(answered, pk=user_id, is_active=True, staff_profile__role__in=EVALUATED_STAFF_ROLES)
        .select_related("staff_profile__department", "staff_profile__window", "staff_profile__hall")
        .first()
    )
