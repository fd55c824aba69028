"""Writers of the working-day calendar: every change to overrides and arrangements.

Each writer runs in one transaction and, after commit, sends one signal (see
``workdays.signals`` for the contract the cases app relies on).
"""

from __future__ import annotations

import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from govhall.workdays.models import CalendarOverride, YearArrangement
from govhall.workdays.signals import arrangement_entered, calendar_changed


def _send_calendar_changed(dates: list[datetime.date]) -> None:
    transaction.on_commit(partial(calendar_changed.send, sender=CalendarOverride, dates=dates))


@transaction.atomic
def override_set(*, date: datetime.date, is_workday: bool, name: str, note: str = "") -> CalendarOverride:
    """Make ``date`` a working day or a rest day, whatever chinesecalendar says."""
    override, _ = CalendarOverride.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "name": name, "note": note}
    )
    _send_calendar_changed([date])
    return override


@transaction.atomic
def override_delete(*, date: datetime.date) -> None:
    """Give ``date`` back to chinesecalendar (or to the weekend rule)."""
    deleted, _ = CalendarOverride.objects.filter(date=date).delete()
    if deleted:
        _send_calendar_changed([date])


def _check_days(
    year: int, holidays: list[tuple[datetime.date, str]], workdays: list[tuple[datetime.date, str]]
) -> None:
    errors = []
    seen: set[datetime.date] = set()
    for day, _name in [*holidays, *workdays]:
        if day.year != year:
            errors.append(f"{day:%Y-%m-%d} 不在{year}年。")
        elif day in seen:
            errors.append(f"{day:%Y-%m-%d} 重复出现。")
        seen.add(day)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def arrangement_enter(
    *,
    year: int,
    holidays: list[tuple[datetime.date, str]],
    workdays: list[tuple[datetime.date, str]],
    note: str = "",
) -> YearArrangement:
    """Enter the State Council's arrangement for ``year``: its days off and its adjusted
    working days (调休), each with the festival's name.

    The arrangement is the whole year's list, so it replaces every override dated in that
    year (re-entering corrects a mistake). Days not listed follow the weekend rule, or
    chinesecalendar where it knows the year. Sends ``arrangement_entered`` after commit.
    """
    _check_days(year, holidays, workdays)
    CalendarOverride.objects.filter(date__year=year).delete()
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=d, is_workday=False, name=name) for d, name in holidays]
        + [CalendarOverride(date=d, is_workday=True, name=name) for d, name in workdays]
    )
    arrangement, _ = YearArrangement.objects.update_or_create(
        year=year, defaults={"note": note, "entered_at": timezone.now()}
    )
    transaction.on_commit(partial(arrangement_entered.send, sender=YearArrangement, year=year))
    return arrangement
