"""Reads of supervision: who may use the board, the warnings in a person's scope, the board's
counts and lists, bulletins, imported cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.accounts.roles import Role
from govhall.cases.models import Case
from govhall.catalog.models import Department
from govhall.core.masking import mask_name
from govhall.supervision.models import Alert, Bulletin, ImportBatch, ImportedCase, Level

# Warnings, bulletins and imported cases are scoped like the cases they are about: a hall
# manager by the hall, a supervisor by the region and the regions below, administrators all.
# (Nothing here belongs to an applicant: the applicant side never reaches them.)
ALERT_SCOPE = scope.Policy(applicant="case__applicant", hall="hall", department="department", region="region")
BULLETIN_SCOPE = scope.Policy(applicant="department", department="department", region="region")
IMPORTED_SCOPE = scope.Policy(applicant="department", department="department", region="region")

BOARD_ROLES = (Role.SUPERVISOR, Role.HALL_MANAGER, Role.ADMINISTRATOR)
BULLETIN_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
IMPORT_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)

SEVERITY = {Level.YELLOW: 1, Level.RED: 2, Level.OVERDUE: 3}


def may_supervise(user: User) -> bool:
    return scope.staff_role(user) in BOARD_ROLES


def may_issue_bulletins(user: User) -> bool:
    return scope.staff_role(user) in BULLETIN_ROLES


def may_import(user: User) -> bool:
    return scope.staff_role(user) in IMPORT_ROLES


def _staff_only(user: User, qs: QuerySet, policy: scope.Policy) -> QuerySet:
    if not user.is_authenticated or not may_supervise(user):
        return qs.none()
    condition = scope.staff_filter(user, policy)
    return qs.none() if condition is None else qs.filter(condition)


def visible_alerts(user: User) -> QuerySet[Alert]:
    return _staff_only(user, Alert.objects.all(), ALERT_SCOPE)


def visible_bulletins(user: User) -> QuerySet[Bulletin]:
    return _staff_only(user, Bulletin.objects.all(), BULLETIN_SCOPE)


def departments_in_scope(user: User) -> QuerySet[Department]:
    """Departments a supervisor may address (bulletins, imports): their region and below."""
    found = scope.reach(user)
    if found is None or scope.staff_role(user) not in (*BULLETIN_ROLES, Role.HALL_MANAGER):
        return Department.objects.none()
    if found.everything:
        return Department.objects.all()
    return Department.objects.filter(region_id__in=found.region)


def imported_cases(user: User | None = None) -> QuerySet[ImportedCase]:
    """Imported cases (all of them, or those ``user`` may see). The statistics count them."""
    qs = ImportedCase.objects.all()
    if user is None:
        return qs
    return _staff_only(user, qs, IMPORTED_SCOPE)


def import_batches(user: User) -> QuerySet[ImportBatch]:
    visible = imported_cases(user).values("batch_id")
    mine = Q(uploaded_by=user) if user.is_authenticated else Q(pk__in=[])
    return ImportBatch.objects.filter(Q(pk__in=visible) | mine).select_related("uploaded_by").distinct()


# --------------------------------------------------------------------------- current warnings


def current(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    """The warnings that still stand (``sweep.resolve`` and the case events resolve the others:
    subject concluded, paused or with another due date, or superseded by a more severe one)."""
    return qs.exclude(level=Level.INTAKE).filter(resolved_at__isnull=True)


@dataclass(frozen=True)
class Filters:
    level: str = ""
    subject: str = ""
    department: int | None = None
    item: int | None = None
    window: int | None = None
    staff: int | None = None
    history: bool = False  # all recorded warnings (and intake alerts), not only the standing ones

    def apply(self, qs: QuerySet[Alert]) -> QuerySet[Alert]:
        if not self.history:
            qs = current(qs)
        for name in ("level", "subject"):
            if getattr(self, name):
                qs = qs.filter(**{name: getattr(self, name)})
        for name in ("department", "item", "window", "staff"):
            if getattr(self, name) is not None:
                qs = qs.filter(**{f"{name}_id": getattr(self, name)})
        return qs


def board_alerts(user: User, filters: Filters) -> QuerySet[Alert]:
    """The warnings of the board, earliest due first (count it, or page it with ``alert_page``)."""
    return filters.apply(visible_alerts(user)).order_by("due_date", "-created_at", "id")


def alert_page(qs: QuerySet[Alert], start: int, stop: int) -> list[Alert]:
    """One page of ``qs`` with what the lines show: the page's ids are chosen on the warnings
    table alone, then only those rows are joined (not every warning of the scope)."""
    ids = list(qs.values_list("pk", flat=True)[start:stop])
    rows = Alert.objects.filter(pk__in=ids).select_related(
        "case", "case__applicant", "imported", "department", "item", "window", "staff"
    )
    found = {a.pk: a for a in rows}
    return [found[i] for i in ids]


DIMENSIONS = {
    "department": ("department_id", "department__name"),
    "item": ("item_id", "item__name"),
    "window": ("window_id", "window__code"),
    "staff": ("staff_id", "staff__display_name"),
}


def board_counts(user: User, filters: Filters) -> dict:
    """Counts per level, and per department, item, window and staff member with their levels."""
    qs = filters.apply(visible_alerts(user)).order_by()
    totals = {level: 0 for level in Level.values}
    for row in qs.values("level").annotate(n=Count("id")):
        totals[row["level"]] = row["n"]
    by: dict[str, list[dict]] = {}
    for dimension, (key, label) in DIMENSIONS.items():
        rows: dict = {}
        for row in qs.values(key, label, "level").annotate(n=Count("id")):
            entry = rows.setdefault(
                row[key], {"id": row[key], "name": row[label] or "", **{level: 0 for level in Level.values}, "total": 0}
            )
            entry[row["level"]] += row["n"]
            entry["total"] += row["n"]
        by[dimension] = sorted(rows.values(), key=lambda r: (-r["total"], r["name"]))
    return {"totals": totals, "by": by}


@dataclass(frozen=True)
class AlertLine:
    id: int
    level: str
    level_label: str
    subject: str
    subject_label: str
    number: str
    case_url: str | None
    item: str
    department: str
    window: str
    staff: str
    applicant: str  # masked
    due_date: datetime.date
    created_at: datetime.datetime
    overdue_days: int  # calendar days past due (0 when not overdue)


def alert_line(alert: Alert, today: datetime.date | None = None) -> AlertLine:
    from django.urls import reverse

    today = today or timezone.localdate()
    if alert.case_id:
        number, applicant = alert.case.number, alert.case.applicant.name
        url = reverse("cases:detail", args=[number])
    else:
        number, applicant, url = alert.imported.external_number, alert.imported.applicant_name, None
    window = f"{alert.window.code}号窗口" if alert.window_id else ""
    staff = (alert.staff.display_name or alert.staff.username) if alert.staff_id else ""
    return AlertLine(
        id=alert.pk,
        level=alert.level,
        level_label=alert.get_level_display(),
        subject=alert.subject,
        subject_label=alert.get_subject_display(),
        number=number,
        case_url=url,
        item=alert.item.name,
        department=alert.department.name,
        window=window,
        staff=staff,
        applicant=mask_name(applicant),
        due_date=alert.due_date,
        created_at=alert.created_at,
        overdue_days=max((today - alert.due_date).days, 0) if alert.level == Level.OVERDUE else 0,
    )


def alert_numbers(alerts) -> list[str]:
    """The case numbers of some warnings (cases and imported cases)."""
    return [
        a.case.number if a.case_id else a.imported.external_number for a in alerts.select_related("case", "imported")
    ]


def overdue_numbers(department: Department, today: datetime.date | None = None) -> list[str]:
    """The department's cases past their due date right now (own and imported), earliest first."""
    from govhall.supervision.sweep import open_cases_q, open_imported_q

    today = today or timezone.localdate()
    own = (
        Case.objects.filter(open_cases_q(), department=department, due_date__lt=today)
        .order_by("due_date", "id")
        .values_list("number", flat=True)
    )
    imported = (
        ImportedCase.objects.filter(open_imported_q(), department=department, due_date__lt=today)
        .order_by("due_date", "id")
        .values_list("external_number", flat=True)
    )
    return [*own, *imported]
