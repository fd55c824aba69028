"""Reads of cases: who may see which case, queues, detail pages and the public progress query.

Who may see which case is ``accounts.scope``'s one policy, declared for cases in
``CASE_SCOPE``; every read and every action starts there.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, User
from govhall.cases import workflow
from govhall.cases.models import (
    QUEUE_ORDER,
    QUEUE_WAITING,
    Case,
    Commitment,
    Deferral,
    State,
    SubmittedMaterial,
    TimelineEvent,
)
from govhall.catalog.models import MaterialRequirement, ServiceItem
from govhall.catalog.selectors import item_version, materials_for_answers
from govhall.core import rows
from govhall.core.errors import NotFound
from govhall.workdays.calendar import WorkCalendar
from govhall.workdays.selectors import get_calendar

# Cases are scoped by their applicant and filer (帮办代办), the hall that took them in, the
# department that decides and its region; staff never see a draft (a clerk's own intake
# drafts are theirs through filed_by). The rule itself is accounts.scope's.
CASE_SCOPE = scope.Policy(
    applicant="applicant",
    filer="filed_by",
    hall="hall",
    department="department",
    region="department__region",
    hidden_from_staff=("state", State.DRAFT),
)


def visible_cases(user: User) -> QuerySet[Case]:
    return scope.visible(user, Case.objects.all(), CASE_SCOPE)


def can_see(user: User, case: Case) -> bool:
    """Whether ``user`` may see ``case``: the same rule as ``visible_cases``, on a loaded case."""
    return scope.can_see(user, case, CASE_SCOPE)


def actor_roles(user: User, case: Case) -> set[str]:
    """The workflow roles ``user`` holds on ``case`` (staff role only within its scope)."""
    return scope.roles_on(user, case, CASE_SCOPE)


def extension_ceiling(case: Case) -> int:
    """The most working days the case's limit may still be extended by (0: none): once per
    case, never for an instant item, up to the statutory limit plus the item's extension
    (行政许可法第四十二条: ten working days, unless the item's own law says otherwise)."""
    item = case.item
    if case.extended_workdays or item.is_instant or case.limit_workdays is None:
        return 0
    return max(0, item.statutory_days + item.extension_days - case.limit_workdays)


def deadline_passed(case: Case, today: datetime.date | None = None) -> bool:
    """The clock is running and the due date is behind us."""
    today = today or timezone.localdate()
    return not case.clock_paused and case.due_date is not None and case.due_date < today


def case_for_actor(number: str, user: User, *, queryset: QuerySet[Case] | None = None) -> Case:
    """The case if ``user`` may see it; otherwise NotFound, never Forbidden (an outsider
    learns nothing, not even that the number exists). Without ``queryset``: the case row
    alone, with its item version from the process cache and anything else loaded on use."""
    case = queryset.filter(number=number).first() if queryset is not None else case_row(number=number)
    if case is None or not can_see(user, case):
        raise NotFound("未找到该办件", code="case_not_found")
    return case


def case_row(*, number: str | None = None, pk: int | None = None, for_update: bool = False) -> Case | None:
    """One case by number or id with its applicant, and its item version attached from the
    process cache (``catalog.selectors.item_version``), optionally locked (SELECT … FOR
    UPDATE where the database has it; SQLite's IMMEDIATE transactions already serialise
    writers).

    Every action on a case starts here, so it is one plain statement (``core.rows``): the
    ORM spent longer compiling the query than the database took to run it (test_selectors
    checks the rows against the ORM's)."""
    lock = for_update and connection.features.has_select_for_update
    found = _CASE.fetch(_case_sql(connection.vendor, number is not None, lock), [number if number is not None else pk])
    if not found:
        return None
    case, applicant, extra = found[0]
    case.applicant = applicant
    case.item = item_version(case.item_id, extra["item_published_at"])
    return case


_CASE = rows.Shape(Case, Applicant, extra=[("item_published_at", ServiceItem._meta.get_field("published_at"))])


@functools.cache
def _case_sql(vendor: str, by_number: bool, lock: bool) -> str:
    q = rows.quote
    sql = (
        f"SELECT {_CASE.columns('c', 'a')}, i.published_at FROM {q(Case._meta.db_table)} c"  # noqa: S608
        f" JOIN {q(Applicant._meta.db_table)} a ON a.id = c.applicant_id"
        f" JOIN {q(ServiceItem._meta.db_table)} i ON i.id = c.item_id"
        f" WHERE c.{'number' if by_number else 'id'} = %s"
    )
    if lock:
        sql += " FOR UPDATE OF c" if connection.features.has_select_for_update_of else " FOR UPDATE"
    return sql


def region_hall(region_id: int) -> Hall | None:
    """The hall that answers for online cases of a region's departments: its first hall."""
    found = _HALL.fetch(_hall_sql(), [region_id])
    return found[0][0] if found else None


_HALL = rows.Shape(Hall)


@functools.cache
def _hall_sql() -> str:
    table = rows.quote(Hall._meta.db_table)
    return f"SELECT {_HALL.columns('h')} FROM {table} h WHERE h.region_id = %s ORDER BY h.id LIMIT 1"  # noqa: S608


def required_materials(case: Case) -> list[MaterialRequirement]:
    """The materials this case's item asks for, given its situation answers."""
    answers = {int(k): int(v) for k, v in (case.situation_answers or {}).items()}
    return materials_for_answers(item_version(case.item_id, case.item.published_at), answers)


def missing_materials(case: Case, materials: list[MaterialRequirement] | None = None) -> list[MaterialRequirement]:
    """Required materials of the case (of ``materials``, by default all it asks for) not
    yet supplied; deferred ones included."""
    present = supplied_requirement_ids(case)
    asked = materials if materials is not None else required_materials(case)
    return [m for m in asked if m.required and m.id not in present]


def supplied_requirement_ids(case: Case) -> set[int]:
    """The requirements the case holds a current material for (every upload and submit
    asks; a plain statement costs a tenth of the ORM's)."""
    table, current = rows.quote(SubmittedMaterial._meta.db_table), rows.quote("current")
    sql = f"SELECT requirement_id FROM {table} WHERE case_id = %s AND {current}"  # noqa: S608 (names from metadata)
    return set(rows.column(sql, [case.pk]))


def detail_queryset() -> QuerySet[Case]:
    """Everything the case page and API detail show, in a fixed number of queries."""
    return Case.objects.select_related(
        "item",
        "item__department",
        "applicant",
        "department",
        "hall",
        "intake_window__hall",
        "issue_window__hall",
        "filed_by",
    ).prefetch_related(
        Prefetch("materials", queryset=SubmittedMaterial.objects.filter(current=True).select_related("requirement")),
        Prefetch("deferrals", queryset=Deferral.objects.select_related("requirement")),
        "commitments",
        "corrections",
        "pauses",
        "documents",
        Prefetch("events", queryset=TimelineEvent.objects.order_by("seq")),
    )


def current_review(case: Case) -> TimelineEvent | None:
    """The reviewer's opinion the chief approver decides on (the last "review" event), or
    None when the case waits for review. Reads the events as prefetched: all of them by
    ``detail_queryset``, or only the review events by ``queue`` (``review_events``)."""
    if case.reviewed_at is None:
        return None
    events = case.review_events if hasattr(case, "review_events") else case.events.all()
    return next((e for e in reversed(events) if e.action == "review"), None)


def with_related_rows(case: Case, rows: dict[str, list]) -> Case:
    """``case`` with its related sets (those of ``detail_queryset``) taken as known: the ones
    in ``rows``, the others empty, as Django's prefetching would leave them. For a case just
    created, whose rows the service has in hand; use the returned object for one answer."""
    cache = {}
    for name in ("materials", "deferrals", "commitments", "corrections", "pauses", "documents", "events"):
        qs = getattr(case, name).all()
        qs._result_cache = list(rows.get(name, []))
        qs._prefetch_done = True
        cache[name] = qs
    case._prefetched_objects_cache = cache
    return case


def _for_listing(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a line of a case list shows (item, masked applicant, deadline), in fixed reads."""
    return qs.select_related("item", "applicant", "department").prefetch_related("pauses")


def list_queryset(
    user: User, *, state: str | None = None, item_code: str | None = None, mine: bool = False
) -> QuerySet[Case]:
    """A list of cases, newest first: staff see their office's (their staff scope), everyone
    else — and staff with ``mine`` — what they applied for or filed (``scope.listed``)."""
    qs = _for_listing(scope.listed(user, Case.objects.all(), CASE_SCOPE, applicant_side=mine))
    if state:
        qs = qs.filter(state=state)
    if item_code:
        qs = qs.filter(item__code=item_code)
    return qs.order_by("-created_at", "-id")


SEARCH_LIMIT = 50
# A whole case number: a 12-digit GB/T 2260 region code (6 digits before 2026-12), the date
# and 6 random digits.
CASE_NUMBER_LENGTHS = (26, 20)


def case_search(user: User, q: str) -> list[Case]:
    """查找办件 for staff, within their scope: a whole case number, a resident ID or credit
    code, or a mobile number match exactly; other digits match part of a case number; text
    matches part of the applicant's or the item's name. Newest first, at most SEARCH_LIMIT."""
    staff = scope.staff_filter(user, CASE_SCOPE)
    q = q.strip()
    if staff is None or not q:
        return []
    code = q.upper()
    if q.isdigit() and len(q) in CASE_NUMBER_LENGTHS:
        match = Q(number=q)
    elif len(code) == 18 and code.isalnum():
        match = Q(applicant__id_number=code) | Q(applicant__uscc=code)
    elif q.isdigit() and len(q) == 11:
        match = Q(applicant__phone=q)
    elif q.isdigit():
        match = Q(number__contains=q)
    else:
        match = Q(applicant__name__icontains=q) | Q(item__name__icontains=q)
    qs = _for_listing(Case.objects.filter(staff).filter(match))
    return list(qs.order_by("-created_at", "-id")[:SEARCH_LIMIT])


@dataclass(frozen=True)
class DeadlineView:
    accepted_on: datetime.date | None
    limit_workdays: int | None
    due_date: datetime.date | None
    provisional: bool
    remaining_workdays: int | None
    paused: bool
    overdue: bool
    extended_workdays: int = 0  # 延长审批期限: already in limit_workdays


def case_deadline(case: Case, today: datetime.date | None = None, calendar: WorkCalendar | None = None) -> DeadlineView:
    """Due date and working days left, from the stored due date and the (prefetched) pauses.
    Lists pass one ``calendar`` for all rows (getting it costs a query)."""
    today = today or timezone.localdate()
    paused = any(p.to_date is None for p in case.pauses.all())
    remaining = None
    if case.accepted_on is None or case.limit_workdays is None:
        return DeadlineView(None, None, None, False, None, False, False)
    calendar = calendar or get_calendar()
    if paused:
        pauses = [(p.from_date, p.to_date) for p in case.pauses.all()]
        remaining = calendar.due_date(case.accepted_on, case.limit_workdays, pauses).days_left_when_stopped
    elif case.due_date is not None:
        remaining = calendar.remaining_workdays(today, case.due_date)
    running = case.state in workflow.CLOCKED and case.accepted_on is not None
    overdue = bool(running and not paused and case.due_date and today > case.due_date)
    return DeadlineView(
        case.accepted_on,
        case.limit_workdays,
        case.due_date,
        case.due_provisional,
        remaining if running else None,
        paused,
        overdue,
        case.extended_workdays,
    )


def overdue_deferrals(case: Case, today: datetime.date | None = None) -> list[Deferral]:
    today = today or timezone.localdate()
    return [d for d in case.deferrals.all() if d.status == Deferral.Status.PENDING and d.due_date < today]


def cases_with_overdue_deferrals(user: User) -> QuerySet[Case]:
    """For the supervisor: accepted cases whose deferred materials are late."""
    today = timezone.localdate()
    late = Deferral.objects.filter(status=Deferral.Status.PENDING, due_date__lt=today).values("case_id")
    return _for_listing(visible_cases(user)).filter(pk__in=late).exclude(state__in=workflow.TERMINAL)


def overdue_cases(user: User) -> QuerySet[Case]:
    """Cases past their due date with the clock running (the stored due date is None while
    it is stopped), for supervisors and hall managers."""
    return (
        list_queryset(user).filter(state__in=workflow.CLOCKED, due_date__lt=timezone.localdate()).order_by("due_date")
    )


def verifications_pending(user: User) -> QuerySet[Case]:
    """告知承诺 approvals whose post-approval check is still to be done, earliest due first."""
    pending = Commitment.objects.filter(
        kind=Commitment.Kind.NOTIFY_COMMIT, verification=Commitment.Verification.PENDING
    )
    return (
        visible_cases(user)
        .filter(pk__in=pending.values("case_id"))
        .exclude(state__in=(State.REVOKED, State.WITHDRAWN))
        .select_related("item", "applicant", "department")
        .prefetch_related("pauses", "commitments")
        .order_by("decided_at")
    )


# Queues of the staff workbench: name -> (Chinese title, which cases it holds), those of
# ``models.QUEUE_WAITING`` (each with its partial indexes) and 待撤销; a chief approver
# also decides unreviewed cases (首席审批员).
QUEUES: dict[str, tuple[str, Q]] = {
    **{
        name: (title, QUEUE_WAITING[name])
        for name, title in (
            ("prereview", "待预审"),
            ("correction", "待补正"),
            ("review", "待审查"),
            ("decision", "待决定"),
            ("issue", "待出件"),
            ("delivery", "待送达"),
        )
    },
    # 告知承诺核查不实, recorded by a reviewer: the chief approver decides the revocation.
    "revocation": (
        "待撤销",
        Q(state__in=workflow.DECIDED_FOR)
        & Q(
            pk__in=Commitment.objects.filter(
                kind=Commitment.Kind.NOTIFY_COMMIT, verification=Commitment.Verification.FAILED
            ).values("case_id")
        ),
    ),
}
# A workbench tab counts up to this many ("1000+") and pages through as many: a queue
# longer than that is found with 查找办件, and counting it all would cost as much as it holds.
QUEUE_CAP = 1000


def queue(user: User, name: str) -> QuerySet[Case]:
    _, holds = QUEUES[name]
    # Each line shows a reviewed case's recommendation (current_review): one read per page.
    reviews = TimelineEvent.objects.filter(action="review").order_by("seq")
    return (
        list_queryset(user)
        .filter(holds)
        .prefetch_related(Prefetch("events", queryset=reviews, to_attr="review_events"))
        .order_by(*QUEUE_ORDER)
    )


def queue_count(user: User, name: str) -> int:
    """How many cases wait in the queue, counted up to ``QUEUE_CAP`` + 1 (shown as "1000+"):
    a walk of at most that many index entries."""
    return queue(user, name).order_by()[: QUEUE_CAP + 1].count()


def progress_lookup(number: str, phone_last4: str) -> Case | None:
    """办件进度查询: the case when the number and the last four digits of the applicant's
    phone match; None otherwise (the caller answers the same way for both failures)."""
    case = (
        Case.objects.select_related("item", "applicant", "department")
        .prefetch_related("pauses")
        .filter(number=number)
        .exclude(state=State.DRAFT)
        .first()
    )
    if case is None or len(phone_last4) != 4 or not case.applicant.phone.endswith(phone_last4):
        return None
    return case
