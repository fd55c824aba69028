"""The warning sweep (预警扫描): every open case, pending deferral, pending 告知承诺
verification and open imported case whose due date is near or past gets its warning,
recorded once.

Set-based, never a loop over cases: the working-day thresholds become calendar dates once
per sweep (``WorkCalendar.add_workdays`` from today), and each kind of subject is then one
``INSERT INTO supervision_alert (...) SELECT ... WHERE due_date < <cut-off> ... ON CONFLICT
DO NOTHING`` (SQLite >= 3.24 and PostgreSQL). The unique constraint (subject, id, level, due
date) makes a second sweep on the same day, or the next day, add nothing for a warning
already recorded; an extension moves the due date, so the case may warn again.

Levels are exclusive ranges of the due date, so one sweep records at most one level for a
subject: overdue (due < today), red (due before the (red+1)-th working day after today,
i.e. at most ``red_workdays`` working days left), yellow (otherwise, at most T working days
left, T = max(floor(share x limit), yellow_workdays), per distinct limit).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Case as When_
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from govhall.cases import workflow
from govhall.cases.models import Case, Commitment, Deferral, State, TimelineEvent
from govhall.supervision.models import Alert, Level, Subject, Thresholds
from govhall.workdays.calendar import WorkCalendar
from govhall.workdays.selectors import get_calendar

# The columns the sweep writes, in this order (notified_at stays NULL: notified afterwards).
COLUMNS = (
    "level",
    "subject",
    "subject_id",
    "case_id",
    "imported_id",
    "due_date",
    "queue",
    "department_id",
    "region_id",
    "hall_id",
    "item_id",
    "window_id",
    "staff_id",
    "created_at",
)

# A case's clock runs in these states unless a pause holds it (clock_paused; the stored due
# date is then None). Imported cases carry no pauses: only accepted ones are swept.
OPEN_STATES = workflow.CLOCKED
ACCEPT_ACTIONS = ("accept", "accept_with_deferral")


def thresholds() -> Thresholds:
    found = Thresholds.objects.order_by("pk").first()
    return found if found is not None else Thresholds.objects.create()


@dataclass(frozen=True)
class Cutoffs:
    """The thresholds as calendar dates for one sweep day."""

    today: datetime.date
    red: datetime.date  # due < red: at most red_workdays working days left
    yellow: datetime.date  # due < yellow: at most yellow_workdays left (the day rule)
    # the share rule as a staircase: due < date AND limit >= min_limit, for each t working
    # days beyond the day rule (date = the (t+1)-th working day, min_limit = ceil(100 t / share))
    by_share: dict[datetime.date, int] = field(default_factory=dict)


def share_days(limit: int | None, rules: Thresholds) -> int:
    """T: the working days left at which a case of ``limit`` turns yellow."""
    by_share = (limit or 0) * rules.yellow_share // 100
    return max(by_share, rules.yellow_workdays)


def cutoffs(today: datetime.date, rules: Thresholds, max_limit: int, calendar: WorkCalendar) -> Cutoffs:
    """Working-day thresholds -> dates: at most n working days left <=> due < add_workdays(today, n + 1).

    At most T(L) = max(floor(share x L / 100), yellow_workdays) days left, for a case of limit L,
    is: at most yellow_workdays left, or for some t > yellow_workdays at most t left and
    floor(share x L / 100) >= t, i.e. L >= ceil(100 t / share). ``max_limit`` bounds t."""
    by_share: dict[datetime.date, int] = {}
    if rules.yellow_share:
        for t in range(rules.yellow_workdays + 1, share_days(max_limit, rules) + 1):
            by_share[calendar.add_workdays(today, t + 1)] = -(-100 * t // rules.yellow_share)
    return Cutoffs(
        today=today,
        red=calendar.add_workdays(today, rules.red_workdays + 1),
        yellow=calendar.add_workdays(today, rules.yellow_workdays + 1),
        by_share=by_share,
    )


def _level(due: str, cut: Cutoffs, *, limit: str | None) -> tuple[Q, When_]:
    """(which rows warn, their level) for a due-date column and an optional limit column."""
    overdue = Q(**{f"{due}__lt": cut.today})
    red = Q(**{f"{due}__lt": cut.red})
    yellow = Q(**{f"{due}__lt": cut.yellow})
    if limit is not None:
        for date, min_limit in cut.by_share.items():
            yellow |= Q(**{f"{due}__lt": date, f"{limit}__gte": min_limit})
    level = When_(
        When(overdue, then=Value(Level.OVERDUE)),
        When(red, then=Value(Level.RED)),
        default=Value(Level.YELLOW),
        output_field=models.CharField(),
    )
    return yellow, level  # yellow's range contains red's and overdue's


def _annotated(qs, **columns):
    """``qs`` reduced to the sweep's columns as annotations, in COLUMNS order, without the rows
    whose warning is recorded already: an anti-join on the warnings (PostgreSQL hashes it), so
    the daily sweep computes only new warnings; ON CONFLICT DO NOTHING still guards against a
    concurrent sweep."""
    recorded = Alert.objects.filter(
        subject=columns["subject"],
        subject_id=OuterRef("c_subject_id"),
        level=OuterRef("c_level"),
        due_date=OuterRef("c_due_date"),
        queue="",
    )
    named = {f"c_{name}": columns[name] for name in COLUMNS}
    return qs.annotate(**named).filter(~Exists(recorded)).values_list(*named)


def _staff_subquery(case_ref: str):
    accepted = TimelineEvent.objects.filter(case_id=OuterRef(case_ref), action__in=ACCEPT_ACTIONS)
    return Subquery(accepted.order_by("-seq").values("actor_id")[:1], output_field=models.IntegerField())


def _null(kind=models.IntegerField):
    return Value(None, output_field=kind())


def case_rows(cut: Cutoffs, now: datetime.datetime):
    warns, level = _level("due_date", cut, limit="limit_workdays")
    qs = Case.objects.filter(open_cases_q()).filter(warns).order_by()
    return _annotated(
        qs,
        level=level,
        subject=Value(Subject.CASE),
        subject_id=F("id"),
        case_id=F("id"),
        imported_id=_null(),
        due_date=F("due_date"),
        queue=Value(""),
        department_id=F("department_id"),
        region_id=F("department__region_id"),
        hall_id=F("hall_id"),
        item_id=F("item_id"),
        window_id=F("intake_window_id"),
        staff_id=_staff_subquery("id"),
        created_at=Value(now, output_field=models.DateTimeField()),
    )


def open_cases_q() -> Q:
    return Q(state__in=OPEN_STATES, clock_paused=False, due_date__isnull=False, accepted_on__isnull=False)


def deferral_rows(cut: Cutoffs, now: datetime.datetime):
    warns, level = _level("due_date", cut, limit=None)
    qs = (
        Deferral.objects.filter(status=Deferral.Status.PENDING)
        .exclude(case__state__in=(*workflow.TERMINAL, State.DRAFT))
        .filter(warns)
        .order_by()
    )
    return _attached_to_case(qs, level=level, subject=Subject.DEFERRAL, due="due_date", now=now)


def commitment_rows(cut: Cutoffs, now: datetime.datetime):
    warns, level = _level("verification_due", cut, limit=None)
    qs = (
        Commitment.objects.filter(
            kind=Commitment.Kind.NOTIFY_COMMIT,
            verification=Commitment.Verification.PENDING,
            verification_due__isnull=False,
        )
        .exclude(case__state__in=(State.REVOKED, State.WITHDRAWN))
        .filter(warns)
        .order_by()
    )
    return _attached_to_case(qs, level=level, subject=Subject.COMMITMENT, due="verification_due", now=now)


def _attached_to_case(qs, *, level, subject: str, due: str, now: datetime.datetime):
    """The columns of a warning on something attached to a case (a 容缺 deferral, a 告知承诺
    verification): its own id and due date, the case's scope and the staff who accepted it."""
    return _annotated(
        qs,
        level=level,
        subject=Value(subject),
        subject_id=F("id"),
        case_id=F("case_id"),
        imported_id=_null(),
        due_date=F(due),
        queue=Value(""),
        department_id=F("case__department_id"),
        region_id=F("case__department__region_id"),
        hall_id=F("case__hall_id"),
        item_id=F("case__item_id"),
        window_id=F("case__intake_window_id"),
        staff_id=_staff_subquery("case_id"),
        created_at=Value(now, output_field=models.DateTimeField()),
    )


def imported_rows(cut: Cutoffs, now: datetime.datetime):
    from govhall.supervision.models import ImportedCase

    warns, level = _level("due_date", cut, limit="limit_workdays")
    qs = ImportedCase.objects.filter(open_imported_q()).filter(warns).order_by()
    return _annotated(
        qs,
        level=level,
        subject=Value(Subject.IMPORTED),
        subject_id=F("id"),
        case_id=_null(),
        imported_id=F("id"),
        due_date=F("due_date"),
        queue=Value(""),
        department_id=F("department_id"),
        region_id=F("region_id"),
        hall_id=_null(),
        item_id=F("item_id"),
        window_id=_null(),
        staff_id=_null(),
        created_at=Value(now, output_field=models.DateTimeField()),
    )


def open_imported_q() -> Q:
    return Q(concluded_at__isnull=True, state=State.ACCEPTED, due_date__isnull=False)


def insert_sql(rows_qs) -> tuple[str, tuple]:
    """``INSERT INTO supervision_alert (COLUMNS) <the queryset's SELECT> ON CONFLICT DO NOTHING``."""
    select, params = rows_qs.query.sql_with_params()
    table = connection.ops.quote_name(Alert._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    # "ON CONFLICT" right after a SELECT with a WHERE is unambiguous for SQLite's parser too.
    return f"INSERT INTO {table} ({columns}) {select} ON CONFLICT DO NOTHING", tuple(params)


@dataclass
class SweepResult:
    today: datetime.date
    recorded: dict[str, int]  # subject -> alerts newly recorded
    notified: int = 0
    resolved: int = 0

    @property
    def total(self) -> int:
        return sum(self.recorded.values())


def longest_limit() -> int:
    """The longest limit an open case can have, from the catalogue (no scan of the cases): a
    case's limit is its item's promised days, extended at most to the statutory days plus the
    item's extension (``cases.selectors.extension_ceiling``); and the longest open imported one."""
    from django.db.models import Max
    from django.db.models.functions import Greatest

    from govhall.catalog.models import ServiceItem
    from govhall.supervision.models import ImportedCase

    found = ServiceItem.objects.aggregate(
        n=Max(Greatest(F("promised_days"), F("statutory_days") + F("extension_days")))
    )["n"]
    imported = ImportedCase.objects.filter(open_imported_q()).aggregate(n=Max("limit_workdays"))["n"]
    return max(found or 0, imported or 0)


def statements(today: datetime.date, *, now: datetime.datetime | None = None, calendar: WorkCalendar | None = None):
    """The sweep's INSERT statements for ``today``: [(subject, sql, params)]."""
    now = now or timezone.now()
    cut = cutoffs(today, thresholds(), longest_limit(), calendar or get_calendar())
    builders = (
        (Subject.CASE, case_rows),
        (Subject.DEFERRAL, deferral_rows),
        (Subject.COMMITMENT, commitment_rows),
        (Subject.IMPORTED, imported_rows),
    )
    return [(subject, *insert_sql(build(cut, now))) for subject, build in builders]


def no_jit() -> None:
    """Statements cheap per row but of a high estimated cost (a subquery per row) make
    PostgreSQL compile them with JIT first: ~0.2 s per statement for nothing. For the
    current transaction only."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def record(today: datetime.date, *, now: datetime.datetime | None = None) -> dict[str, int]:
    """Run the INSERTs (the caller holds the transaction); returns rows recorded per subject."""
    recorded: dict[str, int] = {}
    no_jit()
    with connection.cursor() as cursor:
        for subject, sql, params in statements(today, now=now):
            cursor.execute(sql, params)
            recorded[str(subject)] = max(cursor.rowcount, 0)
    return recorded


def resolve(now: datetime.datetime, *, case_ids: list[int] | None = None, recorded_at=None) -> int:
    """Mark the warnings that no longer stand (set-based UPDATEs; the caller holds the
    transaction): the subject concluded, paused or got another due date, or a more severe
    warning of the same subject and due date was recorded. ``case_ids`` limits it to the
    warnings of some cases (the case-event receiver). ``recorded_at``: when the sweep just
    recorded new warnings, the time it stamped them, so lower ones they supersede are resolved
    (only a new warning can supersede one). Returns the warnings resolved."""
    from govhall.supervision.models import ImportedCase

    standing = Alert.objects.filter(resolved_at__isnull=True).exclude(level=Level.INTAKE)
    if case_ids is not None:
        standing = standing.filter(case_id__in=case_ids)
    done = 0
    # an anti-join on the open cases (read through the state index), not a join with all cases
    still_open = Case.objects.filter(open_cases_q(), pk=OuterRef("subject_id"), due_date=OuterRef("due_date"))
    done += standing.filter(subject=Subject.CASE).exclude(Exists(still_open)).update(resolved_at=now)
    pending_deferral = Deferral.objects.filter(
        pk=OuterRef("subject_id"), status=Deferral.Status.PENDING, due_date=OuterRef("due_date")
    ).exclude(case__state__in=(*workflow.TERMINAL, State.DRAFT))
    done += standing.filter(subject=Subject.DEFERRAL).exclude(Exists(pending_deferral)).update(resolved_at=now)
    pending_check = Commitment.objects.filter(
        pk=OuterRef("subject_id"), verification=Commitment.Verification.PENDING, verification_due=OuterRef("due_date")
    ).exclude(case__state__in=(State.REVOKED, State.WITHDRAWN))
    done += standing.filter(subject=Subject.COMMITMENT).exclude(Exists(pending_check)).update(resolved_at=now)
    if case_ids is None:
        open_imported = ImportedCase.objects.filter(
            open_imported_q(), pk=OuterRef("subject_id"), due_date=OuterRef("due_date")
        )
        done += standing.filter(subject=Subject.IMPORTED).exclude(Exists(open_imported)).update(resolved_at=now)
    if recorded_at is not None:
        same = Alert.objects.filter(
            created_at=recorded_at,
            subject=OuterRef("subject"),
            subject_id=OuterRef("subject_id"),
            due_date=OuterRef("due_date"),
        )
        done += (
            standing.filter(level=Level.YELLOW)
            .filter(Exists(same.filter(level__in=(Level.RED, Level.OVERDUE))))
            .update(resolved_at=now)
        )
        done += (
            standing.filter(level=Level.RED).filter(Exists(same.filter(level=Level.OVERDUE))).update(resolved_at=now)
        )
    return done
