"""Writers, the cached calendar they feed, and the signals the cases app listens to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from govhall.workdays import selectors, services
from govhall.workdays.calendar import Deadline
from govhall.workdays.models import CalendarOverride, YearArrangement
from govhall.workdays.signals import arrangement_entered, calendar_changed

D = dt.date

# For illustration only, not the official 2027 notice: 元旦 1-1..1-3; 春节 2-6..2-13 with
# Sun 2-14 worked.
HOLIDAYS_2027 = [(D(2027, 1, d), "元旦") for d in (1, 2, 3)] + [(D(2027, 2, d), "春节") for d in range(6, 14)]
WORKDAYS_2027 = [(D(2027, 2, 14), "春节调休上班")]


@pytest.fixture
def received():
    """Signals received, as (signal name, kwargs)."""
    log: list[tuple[str, dict]] = []

    def on_entered(sender, **kwargs):
        log.append(("arrangement_entered", kwargs))

    def on_changed(sender, **kwargs):
        log.append(("calendar_changed", kwargs))

    arrangement_entered.connect(on_entered)
    calendar_changed.connect(on_changed)
    yield log
    arrangement_entered.disconnect(on_entered)
    calendar_changed.disconnect(on_changed)


def _kwargs(kwargs: dict) -> dict:
    return {k: v for k, v in kwargs.items() if k != "signal"}


def test_2027_is_provisional_until_its_arrangement_is_entered(db):
    calendar = selectors.get_calendar()
    assert selectors.unknown_years(2025, 2027) == [2027]
    assert calendar.is_workday(D(2027, 1, 1))  # weekends only: a Friday
    # Accepted Fri 2026-12-25, 10 days: 12-28..31, 1-1, 1-4..1-8.
    assert calendar.due_date(D(2026, 12, 25), 10) == Deadline(D(2027, 1, 8), provisional=True)

    services.arrangement_enter(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, note="示例")

    calendar = selectors.get_calendar()
    assert selectors.unknown_years(2025, 2027) == []
    assert not calendar.is_workday(D(2027, 1, 1))
    assert calendar.is_workday(D(2027, 2, 14))  # a Sunday, worked
    # With 1-1 off: 12-28..31 (1..4), 1-4..1-8 (5..9), Mon 1-11 (10).
    assert calendar.due_date(D(2026, 12, 25), 10) == Deadline(D(2027, 1, 11), provisional=False)
    # Accepted Fri 2027-02-05: 2-6..2-13 off, Sun 2-14 (1), Mon 2-15 (2).
    assert calendar.add_workdays(D(2027, 2, 5), 2) == D(2027, 2, 15)


def test_arrangement_signal_fires_only_after_commit(db, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        arrangement = services.arrangement_enter(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    assert received == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [(name, _kwargs(kw)) for name, kw in received] == [("arrangement_entered", {"year": 2027})]
    assert YearArrangement.objects.get() == arrangement


def test_no_signal_when_the_transaction_rolls_back(db, received, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.arrangement_enter(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
            raise RuntimeError
    assert callbacks == [] and received == []
    assert not YearArrangement.objects.exists()


def test_reentering_a_year_replaces_its_overrides(db):
    services.override_set(date=D(2027, 5, 3), is_workday=False, name="临时")
    services.arrangement_enter(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    services.arrangement_enter(year=2027, holidays=HOLIDAYS_2027[:3], workdays=[], note="更正")
    left = sorted(CalendarOverride.objects.values_list("date", flat=True))
    assert left == [d for d, _ in HOLIDAYS_2027[:3]]
    assert YearArrangement.objects.get(year=2027).note == "更正"
    assert selectors.get_calendar().is_workday(D(2027, 2, 8))  # 春节 removed by the correction


def test_arrangement_is_checked(db):
    with pytest.raises(ValidationError, match="不在2027年"):
        services.arrangement_enter(year=2027, holidays=[(D(2026, 12, 31), "元旦")], workdays=[])
    with pytest.raises(ValidationError, match="重复"):
        services.arrangement_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[(D(2027, 1, 1), "元旦")])
    assert not YearArrangement.objects.exists()


def test_override_set_and_delete(db, received, django_capture_on_commit_callbacks):
    day = D(2025, 10, 8)  # chinesecalendar: National Day holiday
    with django_capture_on_commit_callbacks(execute=True):
        services.override_set(date=day, is_workday=True, name="示例上班")
    assert selectors.get_calendar().is_workday(day)
    with django_capture_on_commit_callbacks(execute=True):
        services.override_set(date=day, is_workday=False, name="国庆节", note="改回")
    assert CalendarOverride.objects.get(date=day).note == "改回"
    assert not selectors.get_calendar().is_workday(day)
    with django_capture_on_commit_callbacks(execute=True):
        services.override_delete(date=day)
        services.override_delete(date=day)  # nothing left: no signal
    assert not CalendarOverride.objects.exists()
    assert [(name, _kwargs(kw)) for name, kw in received] == [("calendar_changed", {"dates": [day]})] * 3


def test_the_calendar_is_cached_until_the_tables_change(db, django_assert_num_queries):
    first = selectors.get_calendar()
    with django_assert_num_queries(1):
        assert selectors.get_calendar() is first
    services.override_set(date=D(2025, 3, 5), is_workday=False, name="示例")
    second = selectors.get_calendar()
    assert second is not first and not second.is_workday(D(2025, 3, 5))
    with django_assert_num_queries(1):
        assert selectors.get_calendar() is second


def test_calendar_warnings(db):
    assert selectors.calendar_warnings(today=D(2025, 6, 1)) == []
    assert selectors.calendar_warnings(today=D(2026, 11, 24)) == [
        "2027年的节假日安排尚未录入，涉及该年的办理期限按周末推算，为临时期限。请按国务院办公厅通知录入。"
    ]
    services.arrangement_enter(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    assert selectors.calendar_warnings(today=D(2026, 11, 24)) == []
    assert len(selectors.calendar_warnings(today=D(2027, 11, 24))) == 1  # 2028 next
