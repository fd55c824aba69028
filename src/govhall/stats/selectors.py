"""Reads of the statistics dashboard: every figure computed by aggregate queries.

Each figure is a ``GROUP BY`` or a conditional ``COUNT``/``SUM`` over the cases the viewer
may see (``accounts.scope``, the policy ``STATS_SCOPE``), narrowed by a :class:`StatsFilter`
(date range, region and below, department). No Python loop ever walks the cases: Python
only sums the few grouped rows (per day, per department, per item). docs/statistics.md
defines every figure and the query behind it; ``stats/tests`` checks each on a small known
data set.

Working days are counted set-based: the calendar gives each calendar day ``d`` its running
number of working days ``W(d)``, so a case accepted on ``a`` and decided on ``b`` used
``W(b) - W(a)`` working days; the sum over many cases is ``sum_b n_b·W(b) - sum_a n_a·W(a)``,
read from two ``GROUP BY day`` queries (one row per day, not per case), less the working days
of closed pauses, grouped the same way by their first and last day.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import zoneinfo
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.accounts.roles import Role
from govhall.cases import workflow
from govhall.cases.models import Case, Channel, Deferral, Pause, State
from govhall.catalog.models import DeliveryMode, Department, OnlineDepth, Region, ServiceItem
from govhall.catalog.selectors import region_and_below
from govhall.core.dbrouter import replica_reads
from govhall.core.errors import Forbidden
from govhall.workdays.selectors import get_calendar

# Who opens the dashboard, its export and its API. Others get 403 (applicants never see it).
VIEWER_ROLES = (Role.HALL_MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR)

# Cases as statistics see them: by the deciding department's region (a hall manager reaches
# the region of their hall and below: statistics cover every case decided there, online ones
# included, not only those taken in at the hall's windows), never a draft.
STATS_SCOPE = scope.Policy(
    applicant="applicant",
    department="department",
    region="department__region",
    hidden_from_staff=("state", State.DRAFT),
)
# Imported cases (decided in departments' own systems) and catalogue items: the same reach.
IMPORTED_SCOPE = scope.Policy(applicant="", department="department", region="department__region")
ITEM_SCOPE = scope.Policy(applicant="", department="department", region="department__region")

MAX_DAYS = 366 * 3  # the longest date range one request may ask for
TOP_ITEMS = 15  # the item chart shows the busiest items; the rest are summed as 其他事项

# Delivery modes that need no trip: the result goes out electronically or by post.
NO_TRIP_DELIVERY = (DeliveryMode.ELECTRONIC, DeliveryMode.MAIL)
# Parcel states in which papers or a result were really in a locker (cases.Channel has no
# locker: a locker is how materials or results travelled, beside the application channel).
LOCKER_DROPPED = ("dropped", "collected")
LOCKER_PICKUP = ("deposited", "picked_up", "retrieved")

# An imported case's decision: it is concluded in one of these states (rejections and
# withdrawals before a decision are not timed).
DECIDED_STATES = (State.APPROVED, State.DENIED, State.ISSUED, State.DELIVERED, State.REVOKED)

CHANNELS = [
    ("online", "网上办理"),
    ("window", "窗口办理"),
    ("station", "驿站帮办代办"),
    ("locker", "经信包箱交件或取件"),
]


# --------------------------------------------------------------------------- who and what


@dataclass(frozen=True)
class StatsFilter:
    """The dashboard's filter: cases submitted (volumes, rates) or decided (timeliness) on
    ``start``..``end`` inclusive, in ``region`` and below, of ``department``."""

    start: datetime.date
    end: datetime.date
    region: Region | None = None
    department: Department | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "region": self.region.code if self.region else None,
            "region_name": self.region.name if self.region else None,
            "department": self.department.code if self.department else None,
            "department_name": self.department.name if self.department else None,
        }


def can_view(user: User) -> bool:
    return user.is_authenticated and scope.staff_role(user) in VIEWER_ROLES


def require_viewer(user: User) -> None:
    if not can_view(user):
        raise Forbidden("统计分析仅向大厅管理员、电子监察员和系统管理员开放", code="stats_forbidden")


def _reach_q(user: User, policy: scope.Policy) -> Q:
    require_viewer(user)
    condition = scope.staff_filter(user, policy)
    # a viewer whose profile names no hall or region reaches nothing (never everything)
    return condition if condition is not None else Q(pk__in=[])


def viewer_regions(user: User) -> QuerySet[Region]:
    """The regions the viewer may pick: all for an administrator, else their reach."""
    require_viewer(user)
    found = scope.reach(user)
    if found is not None and found.everything:
        return Region.objects.all()
    return Region.objects.filter(pk__in=found.region if found else [])


def viewer_departments(user: User) -> QuerySet[Department]:
    require_viewer(user)
    found = scope.reach(user)
    if found is not None and found.everything:
        return Department.objects.all()
    return Department.objects.filter(region_id__in=found.region if found else [])


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 30 days, today included."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=29), today


def _bounds(f: StatsFilter) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the site's time zone: an index-friendly range."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(f.start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(f.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lo, hi


def _narrow(queryset: QuerySet, f: StatsFilter, prefix: str = "") -> QuerySet:
    if f.department is not None:
        queryset = queryset.filter(**{f"{prefix}department_id": f.department.pk})
    if f.region is not None:
        queryset = queryset.filter(**{f"{prefix}department__region_id__in": region_and_below(f.region.pk)})
    return queryset


def scoped_cases(user: User, f: StatsFilter) -> QuerySet[Case]:
    """Every non-draft case the viewer reaches, in the filter's region and department (any date)."""
    return _narrow(Case.objects.filter(_reach_q(user, STATS_SCOPE)), f)


def submitted_cases(user: User, f: StatsFilter) -> QuerySet[Case]:
    """The volume base: cases submitted in the period (a window's intake is submitted too)."""
    lo, hi = _bounds(f)
    return scoped_cases(user, f).filter(submitted_at__gte=lo, submitted_at__lt=hi)


def decided_cases(user: User, f: StatsFilter) -> QuerySet[Case]:
    """The timeliness base: accepted cases whose decision (准予 or 不予许可) fell in the period."""
    lo, hi = _bounds(f)
    return scoped_cases(user, f).filter(decided_at__gte=lo, decided_at__lt=hi, accepted_on__isnull=False)


# --------------------------------------------------------------------------- imported cases


def _imported_source():
    """``supervision.selectors.imported_cases`` when the supervision app provides it."""
    try:
        from govhall.supervision import selectors as supervision_selectors
    except ImportError:  # pragma: no cover - the app is part of the project
        return None
    return getattr(supervision_selectors, "imported_cases", None)


def imported_available() -> bool:
    return _imported_source() is not None


def imported_cases(user: User, f: StatsFilter) -> QuerySet | None:
    """Imported cases (专网办件) the viewer reaches in the region and department, or None when
    the supervision app does not provide them."""
    source = _imported_source()
    if source is None:
        return None
    return _narrow(source().filter(_reach_q(user, IMPORTED_SCOPE)), f)


def _imported_channel(value: str) -> str:
    return {"assisted": "station", "station": "station", "online": "online", "mobile": "online"}.get(value, "window")


# --------------------------------------------------------------------------- local dates


@functools.cache
def _fixed_offset_minutes(key: str) -> int | None:
    """The site time zone's UTC offset in minutes when it has kept one offset from 1992 to
    2037 (Asia/Shanghai: +480), else None."""
    tz = zoneinfo.ZoneInfo(key)
    offsets = {
        datetime.datetime(year, month, 15, 12, tzinfo=tz).utcoffset() for year in range(1992, 2038) for month in (1, 7)
    }
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


class LocalDate(TruncDate):
    """``TruncDate`` in the site's time zone. On SQLite Django computes it with a Python
    function called per row (three times slower over a year of cases); a zone without
    daylight saving is a fixed offset, which SQLite's own ``date(column, '+480 minutes')``
    applies. PostgreSQL keeps ``AT TIME ZONE``."""

    def as_sqlite(self, compiler, connection, **extra_context):
        tz = timezone.get_current_timezone()
        offset = _fixed_offset_minutes(getattr(tz, "key", "")) if getattr(tz, "key", None) else None
        if offset is None:
            return super().as_sql(compiler, connection, **extra_context)
        column, params = compiler.compile(self.lhs)
        return f"date({column}, %s)", (*params, f"{offset:+d} minutes")


# --------------------------------------------------------------------------- working days


class WorkdayIndex:
    """``W(d)``: the working days in (base, d], for the few distinct days the queries return."""

    def __init__(self) -> None:
        self.calendar = get_calendar()
        self.base = datetime.date(2000, 1, 1)
        self._cache: dict[datetime.date, int] = {}

    def __call__(self, day: datetime.date) -> int:
        found = self._cache.get(day)
        if found is None:
            found = self._cache[day] = self.calendar.workdays_between(self.base, day)
        return found


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):  # SQLite may hand back a text date from a Least()
        return datetime.date.fromisoformat(value[:10])
    return value


def _workdays_by_department(decided: QuerySet[Case], index: WorkdayIndex) -> dict[int, int]:
    """Σ W(accepted) and the pauses' working days, per department, to subtract from the
    Σ W(decided) that ``timeliness_by_department`` adds up (acceptance → decision, less
    closed pauses)."""
    used: dict[int, int] = defaultdict(int)
    starts = decided.values("department_id", "accepted_on").annotate(n=Count("id"))
    for row in starts.order_by():
        used[row["department_id"]] -= row["n"] * index(row["accepted_on"])
    # closed pauses: both ends count, clipped to the decision day
    pauses = (
        Pause.objects.filter(case__in=decided.values("id"), to_date__isnull=False)
        .annotate(last=Least("to_date", LocalDate("case__decided_at")))
        .values("case__department_id", "from_date", "last")
        .annotate(n=Count("id"))
    )
    for row in pauses.order_by():
        first, last = row["from_date"], _as_date(row["last"])
        if last >= first:
            used[row["case__department_id"]] -= row["n"] * (index(last) - index(first - datetime.timedelta(days=1)))
    return used


# --------------------------------------------------------------------------- the figures


@dataclass
class Rate:
    key: str
    label: str
    basis: str  # "item" (share of catalogue items) or "case" (share of cases)
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return round(self.numerator / self.denominator, 4) if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}


@dataclass
class Figures:
    filter: StatsFilter
    total: int = 0
    imported_total: int = 0
    imported_included: bool = False
    by_day: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    timeliness: dict[str, Any] = field(default_factory=dict)
    deferrals: dict[str, Any] = field(default_factory=dict)
    overdue: dict[str, Any] = field(default_factory=dict)
    satisfaction: dict[str, Any] | None = None
    today: datetime.date | None = None
    computed_at: datetime.datetime | None = None  # when ``dashboard`` shares figures computed earlier

    def rate(self, key: str) -> Rate:
        return next(r for r in self.rates if r.key == key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "filter": self.filter.as_dict(),
            "today": self.today.isoformat() if self.today else None,
            "total": self.total,
            "imported_total": self.imported_total,
            "imported_included": self.imported_included,
            "by_day": [{"date": d["date"].isoformat(), "count": d["count"]} for d in self.by_day],
            "channels": self.channels,
            "departments": self.departments,
            "items": self.items,
            "rates": [r.as_dict() for r in self.rates],
            "timeliness": self.timeliness,
            "deferrals": self.deferrals,
            "overdue": self.overdue,
            "satisfaction": self.satisfaction,
            "computed_at": self.computed_at,
        }


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _avg(total: float, n: int) -> float | None:
    return round(total / n, 2) if n else None


def volumes(
    cases: QuerySet[Case], imported: QuerySet | None, f: StatsFilter
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Cases submitted per day (imported ones on their day of acceptance), every day of the
    period listed, zeros included; and per department. One ``GROUP BY department, day`` per
    table gives both."""
    per_day: dict[datetime.date, int] = defaultdict(int)
    per_department: dict[int, int] = defaultdict(int)
    sources = [(cases, "submitted_at")] + ([(imported, "accepted_at")] if imported is not None else [])
    for source, column in sources:
        rows = source.annotate(day=LocalDate(column)).values("department_id", "day").annotate(n=Count("id"))
        for row in rows.order_by():
            per_day[_as_date(row["day"])] += row["n"]
            per_department[row["department_id"]] += row["n"]
    days = (f.end - f.start).days + 1
    by_day = [
        {"date": f.start + datetime.timedelta(days=i), "count": per_day.get(f.start + datetime.timedelta(days=i), 0)}
        for i in range(days)
    ]
    return by_day, per_department


def _locker_parcels():
    from govhall.lockers.models import Parcel  # read only: which cases' papers or results were in a cell

    return Parcel.objects.filter(
        Q(kind="dropoff", status__in=LOCKER_DROPPED) | Q(kind="pickup", status__in=LOCKER_PICKUP)
    )


def case_counts(cases: QuerySet[Case]) -> dict[str, int]:
    """Two queries: the total, the channels and the case-based rates' numerators over the
    cases, then the few cases that went through a locker (read from the parcels' side, so
    the big table is scanned once and never probed per row).

    * 全程网办: applied online for an item whose 网办深度 is 全程网办;
    * trips: applying at a window or a station is one, papers dropped in a locker one, and
      collecting the result (at a window or a locker; no mode chosen yet reads as the window,
      which delivery falls back to) one; electronic or postal results need none.
      零跑动 = online, no-trip result, nothing dropped in a locker; 最多跑一次 = at most one
      of the three, i.e. online & (no-trip result or nothing dropped), or not online &
      no-trip result & nothing dropped.
    """
    online = Q(channel=Channel.ONLINE)
    no_trip = Q(delivery_mode__in=NO_TRIP_DELIVERY)
    found = cases.aggregate(
        total=Count("id"),
        online=Count("id", filter=online),
        window=Count("id", filter=Q(channel=Channel.WINDOW)),
        station=Count("id", filter=Q(channel=Channel.ASSISTED)),
        full_online=Count("id", filter=online & Q(item__online_depth=OnlineDepth.FULL_ONLINE)),
        online_no_trip=Count("id", filter=online & no_trip),
        offline_no_trip=Count("id", filter=~online & no_trip),
        instant=Count("id", filter=Q(item__is_instant=True)),
    )
    parcels = _locker_parcels()
    dropped = Q(pk__in=parcels.filter(kind="dropoff").values("case_id"))
    lockers = cases.filter(pk__in=parcels.values("case_id")).aggregate(
        locker=Count("id"),
        online_no_trip=Count("id", filter=online & no_trip & dropped),
        online_trip=Count("id", filter=online & ~no_trip & dropped),
        offline_no_trip=Count("id", filter=~online & no_trip & dropped),
    )
    found["locker"] = lockers["locker"]
    found["zero_visit"] = found["online_no_trip"] - lockers["online_no_trip"]
    found["at_most_one"] = (
        found["online"] - lockers["online_trip"] + found["offline_no_trip"] - lockers["offline_no_trip"]
    )
    return found


def imported_counts(imported: QuerySet) -> dict[str, int]:
    return imported.aggregate(
        total=Count("id"),
        online=Count("id", filter=Q(channel__in=("online", "mobile"))),
        station=Count("id", filter=Q(channel__in=("assisted", "station"))),
        instant=Count("id", filter=Q(item__is_instant=True)),
    )


def item_counts(user: User, f: StatsFilter) -> dict[str, int]:
    """One query over the published catalogue the viewer reaches (item-based rates)."""
    items = _narrow(ServiceItem.objects.filter(_reach_q(user, ITEM_SCOPE), status=ServiceItem.Status.PUBLISHED), f)
    found = items.aggregate(
        total=Count("id"),
        online_capable=Count("id", filter=~Q(online_depth=OnlineDepth.WINDOW)),
        full_online=Count("id", filter=Q(online_depth=OnlineDepth.FULL_ONLINE)),
        zero_visit=Count("id", filter=Q(max_visits=0)),
        at_most_one=Count("id", filter=Q(max_visits__lte=1)),
        instant=Count("id", filter=Q(is_instant=True)),
        statutory=Coalesce(Sum("statutory_days"), 0),
        promised=Coalesce(Sum("promised_days"), 0),
    )
    return found


def by_item(cases: QuerySet[Case], imported: QuerySet | None) -> list[dict[str, Any]]:
    """Cases per item code (all versions of an item together, named by the newest version),
    busiest first, the tail summed. Grouped by item id (no join), then the few ids named."""
    per_version: dict[int, int] = defaultdict(int)
    for source in [cases] + ([imported] if imported is not None else []):
        for row in source.values("item_id").annotate(n=Count("id")).order_by():
            per_version[row["item_id"]] += row["n"]
    counts: dict[str, dict[str, Any]] = {}
    versions = ServiceItem.objects.filter(pk__in=per_version).order_by("code", "version")
    for pk, code, name in versions.values_list("pk", "code", "name"):
        entry = counts.setdefault(code, {"code": code, "name": name, "count": 0})
        entry["name"] = name  # the newest version's name, read last
        entry["count"] += per_version[pk]
    ranked = sorted(counts.values(), key=lambda e: (-e["count"], e["code"]))
    head, tail = ranked[:TOP_ITEMS], ranked[TOP_ITEMS:]
    if tail:
        head.append({"code": "", "name": f"其他事项（{len(tail)}项）", "count": sum(e["count"] for e in tail)})
    return head


def timeliness_by_department(decided: QuerySet[Case], index: WorkdayIndex) -> dict[int, dict[str, int]]:
    """Per department, one ``GROUP BY department, decision day``: decided cases, decided after
    the due date, the sums of the items' statutory and promised limits and of the cases' own
    limits, and ``used`` = Σ W(decision day) (``_workdays_by_department`` subtracts the rest)."""
    keys = ("n", "late", "statutory", "promised", "limit", "instant", "same_day")
    found: dict[int, dict[str, int]] = {}
    rows = (
        decided.annotate(day=LocalDate("decided_at"))
        .values("department_id", "day")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(due_date__isnull=False, due_date__lt=LocalDate("decided_at"))),
            statutory=Coalesce(Sum("item__statutory_days"), 0),
            promised=Coalesce(Sum("item__promised_days"), 0),
            limit=Coalesce(Sum(Coalesce("limit_workdays", F("item__promised_days"))), 0),
            instant=Count("id", filter=Q(item__is_instant=True)),
            same_day=Count("id", filter=Q(item__is_instant=True, accepted_on=LocalDate("decided_at"))),
        )
        .order_by()
    )
    for row in rows:
        mine = found.setdefault(row["department_id"], dict.fromkeys((*keys, "used"), 0))
        for key in keys:
            mine[key] += row[key]
        mine["used"] += row["n"] * index(_as_date(row["day"]))
    return found


def imported_timeliness(imported: QuerySet, f: StatsFilter, index: WorkdayIndex) -> dict[int, dict[str, int]]:
    """The same sums for imported cases concluded in the period (their limit is the case's own)."""
    lo, hi = _bounds(f)
    done = imported.filter(concluded_at__gte=lo, concluded_at__lt=hi, state__in=DECIDED_STATES)
    found: dict[int, dict[str, int]] = {}
    rows = (
        done.values("department_id")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(due_date__isnull=False, due_date__lt=LocalDate("concluded_at"))),
            statutory=Coalesce(Sum("item__statutory_days"), 0),
            promised=Coalesce(Sum("item__promised_days"), 0),
            limit=Coalesce(Sum(Coalesce("limit_workdays", F("item__promised_days"))), 0),
        )
        .order_by()
    )
    for row in rows:
        found[row["department_id"]] = dict(row, used=0)
    ends = done.annotate(day=LocalDate("concluded_at")).values("department_id", "day").annotate(n=Count("id"))
    for row in ends.order_by():
        found[row["department_id"]]["used"] += row["n"] * index(_as_date(row["day"]))
    starts = done.annotate(day=LocalDate("accepted_at")).values("department_id", "day").annotate(n=Count("id"))
    for row in starts.order_by():
        found[row["department_id"]]["used"] -= row["n"] * index(_as_date(row["day"]))
    return found


def open_overdue_by_department(
    scoped: QuerySet[Case], imported: QuerySet | None, today: datetime.date
) -> dict[int, int]:
    """Open cases past their due date today, clock running (a snapshot, not bound by the period)."""
    counts: dict[int, int] = defaultdict(int)
    rows = (
        scoped.filter(state__in=workflow.CLOCKED, clock_paused=False, due_date__lt=today)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["department_id"]] += row["n"]
    if imported is not None:
        rows = (
            imported.filter(concluded_at__isnull=True, state__in=workflow.UNDER_REVIEW, due_date__lt=today)
            .values("department_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            counts[row["department_id"]] += row["n"]
    return counts


def deferral_counts(user: User, f: StatsFilter, today: datetime.date) -> dict[str, int]:
    """容缺受理 of cases accepted in the period, one query over the deferred materials."""
    scoped = scoped_cases(user, f).filter(accepted_on__gte=f.start, accepted_on__lte=f.end)
    found = Deferral.objects.filter(case__in=scoped.values("id")).aggregate(
        cases=Count("case_id", distinct=True),
        materials=Count("id"),
        pending=Count("id", filter=Q(status=Deferral.Status.PENDING)),
        received=Count("id", filter=Q(status=Deferral.Status.RECEIVED)),
        confirmed=Count("id", filter=Q(status=Deferral.Status.CONFIRMED)),
        overdue=Count("id", filter=Q(status=Deferral.Status.PENDING, due_date__lt=today)),
    )
    found["accepted"] = scoped.count()
    found["rate"] = _ratio(found["cases"], found["accepted"])
    return found


def _satisfaction(cases: QuerySet[Case]) -> dict[str, Any] | None:
    try:
        from govhall.evaluations import selectors as evaluation_selectors
    except ImportError:  # pragma: no cover
        return None
    satisfaction = getattr(evaluation_selectors, "satisfaction", None)
    if satisfaction is None:
        return None
    satisfied, total = satisfaction(cases)
    return {"satisfied": satisfied, "total": total, "rate": _ratio(satisfied, total)}


def dashboard(user: User, f: StatsFilter) -> Figures:
    """``figures``, shared for GOVHALL_STATS_CACHE_SECONDS between viewers with the same reach
    and filter, through the cache (every node's, with GOVHALL_CACHE=redis): a period's figures
    cost as many rows as the period holds (1.1 s for a week of a million-case database,
    bench/load), and a board is opened again and again. ``computed_at`` says how old they are."""
    require_viewer(user)
    seconds = settings.GOVHALL_STATS_CACHE_SECONDS
    today = timezone.localdate()
    if seconds <= 0:
        return figures(user, f, today=today)
    found = scope.reach(user)
    key = (
        "stats:figures:"
        + hashlib.sha256(
            repr(
                (
                    found.role,
                    found.everything,
                    found.hall,
                    found.department,
                    sorted(found.region) if not found.everything else None,
                    f.start,
                    f.end,
                    f.region.pk if f.region else None,
                    f.department.pk if f.department else None,
                    today,
                )
            ).encode()
        ).hexdigest()
    )
    shared = cache.get(key)
    if shared is None:
        shared = figures(user, f, today=today)
        shared.computed_at = timezone.now()
        cache.set(key, shared, seconds)
    return shared


@replica_reads
def figures(user: User, f: StatsFilter, *, today: datetime.date | None = None) -> Figures:
    """Every figure of the dashboard for ``user`` over ``f``: a report over past days, read
    from the replica where one is configured (``core.dbrouter``; today's figures lag by its
    replication delay)."""
    require_viewer(user)
    today = today or timezone.localdate()
    cases = submitted_cases(user, f)
    imported_all = imported_cases(user, f)
    imported = None
    if imported_all is not None:
        lo, hi = _bounds(f)
        imported = imported_all.filter(accepted_at__gte=lo, accepted_at__lt=hi)
    out = Figures(filter=f, today=today, imported_included=imported is not None)

    counts = case_counts(cases)
    extra = imported_counts(imported) if imported is not None else {"total": 0, "online": 0, "station": 0, "instant": 0}
    out.imported_total = extra["total"]
    out.total = counts["total"] + extra["total"]
    out.by_day, per_department = volumes(cases, imported, f)
    imported_window = extra["total"] - extra["online"] - extra["station"]
    channel_counts = {
        "online": counts["online"] + extra["online"],
        "window": counts["window"] + imported_window,
        "station": counts["station"] + extra["station"],
        "locker": counts["locker"],
    }
    out.channels = [{"code": c, "label": label, "count": channel_counts[c]} for c, label in CHANNELS]

    # per department: volume, decided, late, open overdue, average working days
    index = WorkdayIndex()
    decided = decided_cases(user, f)
    timely = timeliness_by_department(decided, index)
    for department_id, value in _workdays_by_department(decided, index).items():
        timely[department_id]["used"] += value
    if imported_all is not None:
        for department_id, row in imported_timeliness(imported_all, f, index).items():
            mine = timely.setdefault(
                department_id,
                {"n": 0, "late": 0, "statutory": 0, "promised": 0, "limit": 0, "used": 0, "instant": 0, "same_day": 0},
            )
            for key in ("n", "late", "statutory", "promised", "limit", "used"):
                mine[key] = mine.get(key, 0) + row[key]
    open_late = open_overdue_by_department(scoped_cases(user, f), imported_all, today)
    ids = set(per_department) | set(timely) | set(open_late)
    names = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    for department_id in sorted(ids, key=lambda i: (-per_department.get(i, 0), names[i].order, names[i].code)):
        t = timely.get(department_id, {})
        out.departments.append(
            {
                "code": names[department_id].code,
                "name": names[department_id].short_name or names[department_id].name,
                "count": per_department.get(department_id, 0),
                "decided": t.get("n", 0),
                "late": t.get("late", 0),
                "open_overdue": open_late.get(department_id, 0),
                "average_workdays": _avg(t.get("used", 0), t.get("n", 0)),
            }
        )
    out.items = by_item(cases, imported)

    catalogue = item_counts(user, f)
    n = out.total
    out.rates = [
        Rate("online_capable", "网上可办率", "item", catalogue["online_capable"], catalogue["total"]),
        Rate("full_online_items", "全程网办事项占比", "item", catalogue["full_online"], catalogue["total"]),
        Rate("full_online", "全程网办率", "case", counts["full_online"], counts["total"]),
        Rate("zero_visit", "零跑动率", "case", counts["zero_visit"], counts["total"]),
        Rate("at_most_one_visit", "最多跑一次率", "case", counts["at_most_one"], counts["total"]),
        Rate("instant_items", "即办件率", "item", catalogue["instant"], catalogue["total"]),
        Rate("instant_cases", "即办件办件占比", "case", counts["instant"] + extra["instant"], n),
    ]

    decided_n = sum(t.get("n", 0) for t in timely.values())
    late = sum(t.get("late", 0) for t in timely.values())
    used_total = sum(t.get("used", 0) for t in timely.values())
    statutory = sum(t.get("statutory", 0) for t in timely.values())
    promised = sum(t.get("promised", 0) for t in timely.values())
    instant = sum(t.get("instant", 0) for t in timely.values())
    out.timeliness = {
        "decided": decided_n,
        "used_workdays": used_total,
        "average_workdays": _avg(used_total, decided_n),
        "average_statutory_days": _avg(statutory, decided_n),
        "average_promised_days": _avg(promised, decided_n),
        # 提速率: how much less time than the statutory limits the decided cases took
        "speedup_rate": round(1 - used_total / statutory, 4) if statutory else None,
        # 承诺压缩率 of those cases' items: promised limits against statutory ones
        "promise_compression_rate": round(1 - promised / statutory, 4) if statutory else None,
        # the catalogue's own compression (item-based), for the region and department
        "catalogue_compression_rate": round(1 - catalogue["promised"] / catalogue["statutory"], 4)
        if catalogue["statutory"]
        else None,
        "on_time": decided_n - late,
        "on_time_rate": _ratio(decided_n - late, decided_n),
        "instant_decided": instant,
        "instant_same_day": sum(t.get("same_day", 0) for t in timely.values()),
    }
    out.overdue = {
        "decided_late": late,
        "open_overdue": sum(open_late.values()),
    }
    out.deferrals = deferral_counts(user, f, today)
    out.satisfaction = _satisfaction(decided)
    return out
