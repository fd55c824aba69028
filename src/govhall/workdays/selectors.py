"""Reads of the working-day calendar. Other apps use ``get_calendar()`` and nothing else here
needs the models."""

from __future__ import annotations

import datetime
import threading

from django.db import connections

from govhall.workdays.calendar import WorkCalendar
from govhall.workdays.models import CalendarOverride, YearArrangement

_lock = threading.Lock()
_cached: tuple[tuple, WorkCalendar] | None = None


def _fingerprint() -> tuple:
    """(count, latest change) of both tables, in one small query.

    Any insert or delete changes a count and any save moves ``updated_at``/``entered_at``
    (services set both), so the fingerprint changes whenever the calendar does, whichever
    process wrote it; a per-process revision counter would miss other workers' writes.
    """
    connection = connections[CalendarOverride.objects.db]
    qn = connection.ops.quote_name
    overrides, arrangements = qn(CalendarOverride._meta.db_table), qn(YearArrangement._meta.db_table)
    # Identifiers come from model metadata, never from input.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {overrides}), (SELECT MAX({qn('updated_at')}) FROM {overrides}), "  # noqa: S608
        f"(SELECT COUNT(*) FROM {arrangements}), (SELECT MAX({qn('entered_at')}) FROM {arrangements})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def get_calendar() -> WorkCalendar:
    """The calendar: chinesecalendar, then the administrator's overrides and entered years.

    Built once per process and rebuilt when the tables change (one small query per call).
    """
    global _cached
    key = _fingerprint()
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        overrides = dict(CalendarOverride.objects.values_list("date", "is_workday"))
        years = YearArrangement.objects.values_list("year", flat=True)
        calendar = WorkCalendar(overrides, years)
        _cached = (key, calendar)
        return calendar


def unknown_years(start_year: int, end_year: int) -> list[int]:
    """Years in [start_year, end_year] with no official arrangement: deadlines there are
    counted by weekends only and provisional."""
    calendar = get_calendar()
    return [y for y in range(start_year, end_year + 1) if not calendar.is_year_known(y)]


def unknown_year_warning(year: int) -> str:
    return f"{year}年的节假日安排尚未录入，涉及该年的办理期限按周末推算，为临时期限。请按国务院办公厅通知录入。"


def calendar_warnings(*, today: datetime.date) -> list[str]:
    """Warnings for administrators: the current or next year lacks an arrangement."""
    return [unknown_year_warning(y) for y in unknown_years(today.year, today.year + 1)]


def year_overrides(*, year: int) -> list[CalendarOverride]:
    return list(CalendarOverride.objects.filter(date__year=year).order_by("date"))
