"""The working-day arithmetic: properties over 2020–2030 and the official arrangements
hand-checked against the State Council's notices (as chinesecalendar 1.11 records them)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhall.workdays.calendar import Deadline, WorkCalendar

CAL = WorkCalendar()
D = dt.date

dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))
counts = st.integers(min_value=0, max_value=250)


# -- properties -------------------------------------------------------------------


@given(dates, st.integers(min_value=1, max_value=250))
def test_add_lands_on_a_workday(start, n):
    assert CAL.is_workday(CAL.add_workdays(start, n))


@given(dates, counts)
def test_between_inverts_add(start, n):
    due = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, due) == n
    assert due > start or n == 0


@given(dates, counts)
def test_add_is_strictly_monotonic_in_n(start, n):
    assert CAL.add_workdays(start, n) < CAL.add_workdays(start, n + 1)


@given(dates, dates)
def test_between_is_zero_backwards_and_additive(a, b):
    if b <= a:
        assert CAL.workdays_between(a, b) == 0
    else:
        middle = a + (b - a) / 2
        assert CAL.workdays_between(a, b) == CAL.workdays_between(a, middle) + CAL.workdays_between(middle, b)


@given(dates, counts)
def test_due_date_without_pauses_is_add(start, n):
    assert CAL.due_date(start, n).due_date == CAL.add_workdays(start, n)


pauses = st.lists(
    st.tuples(st.integers(min_value=-10, max_value=400), st.integers(min_value=0, max_value=60)), max_size=3
)


@given(dates, counts, pauses)
def test_a_pause_never_brings_the_due_date_forward(start, n, offsets):
    spans = [(start + dt.timedelta(days=o), start + dt.timedelta(days=o + length)) for o, length in offsets]
    paused = CAL.due_date(start, n, spans).due_date
    assert paused >= CAL.add_workdays(start, n)
    # and no working day inside a pause was counted:
    counted = [
        d
        for d in (start + dt.timedelta(days=i) for i in range(1, (paused - start).days + 1))
        if CAL.is_workday(d) and not any(p0 <= d <= p1 for p0, p1 in spans)
    ]
    assert len(counted) == n
    assert n == 0 or counted[-1] == paused


@given(
    dates,
    st.integers(min_value=1, max_value=250),
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=60),
)
def test_a_pause_inside_the_window_pushes_by_its_workdays(start, n, seed, length):
    due = CAL.add_workdays(start, n)
    p0 = start + dt.timedelta(days=1 + seed % (due - start).days)  # start < p0 <= due
    p1 = p0 + dt.timedelta(days=length)
    k = CAL.workdays_between(p0 - dt.timedelta(days=1), p1)  # working days in [p0, p1]
    assert CAL.due_date(start, n, [(p0, p1)]).due_date == CAL.add_workdays(due, k)


@given(dates, counts)
def test_remaining_on_the_due_date_is_zero_and_counts_down(start, n):
    due = CAL.add_workdays(start, n)
    assert CAL.remaining_workdays(due, due) == 0
    assert CAL.remaining_workdays(start, due) == n
    assert CAL.remaining_workdays(CAL.add_workdays(due, n), due) == -n


@given(dates)
def test_agrees_with_chinesecalendar_where_it_has_data(day):
    try:
        expected = chinese_calendar.is_workday(day)
    except NotImplementedError:
        expected = day.weekday() < 5  # past its data: weekends only
        assert not CAL.is_known(day)
    else:
        assert CAL.is_known(day)
    assert CAL.is_workday(day) is expected


# -- the official arrangements ------------------------------------------------------


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def test_spring_festival_2025():
    # 国办发明电〔2024〕12号: 1月28日（除夕）至2月4日放假调休，共8天；1月26日（周日）、2月8日（周六）上班。
    assert not any(CAL.is_workday(d) for d in _days(D(2025, 1, 28), D(2025, 2, 4)))
    assert CAL.is_workday(D(2025, 1, 26)) and CAL.is_workday(D(2025, 2, 8))
    # Accepted Fri 1-24; counting starts the next day: Sat 1-25 rest, Sun 1-26 调休 (1),
    # Mon 1-27 (2), 1-28..2-4 off, Wed 2-5 (3), Thu 2-6 (4), Fri 2-7 (5).
    assert CAL.add_workdays(D(2025, 1, 24), 5) == D(2025, 2, 7)
    # Accepted Mon 1-27: the next working day is after the whole festival, Wed 2-5.
    assert CAL.add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)
    # Accepted Fri 2-7: Sat 2-8 is a 调休 working day.
    assert CAL.add_workdays(D(2025, 2, 7), 1) == D(2025, 2, 8)
    # (1-24, 2-9]: 1-26, 1-27, 2-5, 2-6, 2-7, 2-8.
    assert CAL.workdays_between(D(2025, 1, 24), D(2025, 2, 9)) == 6


def test_national_day_2025():
    # 10月1日至8日放假调休（国庆、中秋），共8天；9月28日（周日）、10月11日（周六）上班。
    assert not any(CAL.is_workday(d) for d in _days(D(2025, 10, 1), D(2025, 10, 8)))
    assert CAL.is_workday(D(2025, 9, 28)) and CAL.is_workday(D(2025, 10, 11))
    # Accepted Fri 9-26: Sat 9-27 rest, Sun 9-28 (1), Mon 9-29 (2), Tue 9-30 (3).
    assert CAL.add_workdays(D(2025, 9, 26), 3) == D(2025, 9, 30)
    # ... then 10-1..10-8 off, Thu 10-9 (4), Fri 10-10 (5).
    assert CAL.add_workdays(D(2025, 9, 26), 5) == D(2025, 10, 10)
    # Accepted Tue 9-30: Thu 10-9 (1), Fri 10-10 (2), Sat 10-11 调休 (3).
    assert CAL.add_workdays(D(2025, 9, 30), 3) == D(2025, 10, 11)
    # Accepted Mon 9-15, 20 days: 9-16..19 (4), 9-22..26 (9), 9-28 (10), 9-29 (11), 9-30 (12),
    # 10-9 (13), 10-10 (14), 10-11 (15), 10-13..17 (20).
    assert CAL.add_workdays(D(2025, 9, 15), 20) == D(2025, 10, 17)


def test_spring_festival_2026():
    # As chinesecalendar 1.11 records it: 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
    assert all(D(2026, 2, d) in chinese_calendar.holidays for d in range(15, 24))
    assert D(2026, 2, 14) in chinese_calendar.workdays and D(2026, 2, 28) in chinese_calendar.workdays
    assert not any(CAL.is_workday(d) for d in _days(D(2026, 2, 15), D(2026, 2, 23)))
    assert CAL.is_workday(D(2026, 2, 14)) and CAL.is_workday(D(2026, 2, 28))
    # Accepted Thu 2-12: Fri 2-13 (1), Sat 2-14 调休 (2), 2-15..2-23 off, Tue 2-24 (3).
    assert CAL.add_workdays(D(2026, 2, 12), 3) == D(2026, 2, 24)
    # ... Wed 2-25 (4), Thu 2-26 (5), Fri 2-27 (6), Sat 2-28 调休 (7).
    assert CAL.add_workdays(D(2026, 2, 12), 7) == D(2026, 2, 28)


def test_mid_autumn_and_national_day_2026():
    # As chinesecalendar 1.11 records it: 中秋 9月25日至27日放假；国庆 10月1日至7日放假调休，
    # 共7天；9月20日（周日）、10月10日（周六）上班。
    assert all(D(2026, 9, d) in chinese_calendar.holidays for d in (25, 26, 27))
    assert all(D(2026, 10, d) in chinese_calendar.holidays for d in range(1, 8))
    assert D(2026, 9, 20) in chinese_calendar.workdays and D(2026, 10, 10) in chinese_calendar.workdays
    assert not any(CAL.is_workday(d) for d in _days(D(2026, 10, 1), D(2026, 10, 7)))
    assert CAL.is_workday(D(2026, 9, 20)) and CAL.is_workday(D(2026, 10, 10))
    # Accepted Fri 9-18: Sat 9-19 rest, Sun 9-20 调休 (1), Mon..Thu 9-21..24 (2..5).
    assert CAL.add_workdays(D(2026, 9, 18), 5) == D(2026, 9, 24)
    # Accepted Thu 9-24: Fri 9-25..Sun 9-27 中秋, Mon 9-28 (1), 9-29 (2), 9-30 (3).
    assert CAL.add_workdays(D(2026, 9, 24), 3) == D(2026, 9, 30)
    # Accepted Wed 9-30: 10-1..10-7 off, Thu 10-8 (1), Fri 10-9 (2), Sat 10-10 调休 (3).
    assert CAL.add_workdays(D(2026, 9, 30), 2) == D(2026, 10, 9)
    assert CAL.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)


# -- rules ---------------------------------------------------------------------------


def test_instant_items_are_due_the_same_day():
    saturday = D(2025, 2, 1)  # even on a day off, 0 days from acceptance is the day itself
    assert CAL.add_workdays(saturday, 0) == saturday
    assert CAL.due_date(saturday, 0) == Deadline(saturday, provisional=False)
    assert CAL.due_date(D(2027, 3, 1), 0).provisional is False  # nothing was counted


def test_overdue_counts_working_days_since_the_due_date():
    due = D(2025, 9, 30)
    assert CAL.remaining_workdays(D(2025, 9, 29), due) == 1
    assert CAL.remaining_workdays(D(2025, 10, 8), due) == 0  # holiday after the due date: not yet -1
    assert CAL.remaining_workdays(D(2025, 10, 9), due) == -1
    assert CAL.remaining_workdays(D(2025, 10, 11), due) == -3


def test_pauses_stop_the_clock_on_both_ends():
    # Accepted Mon 2025-03-03, 5 days → Mon 3-10 unpaused. Suspended Wed 3-5..Fri 3-7 (3
    # working days stood still): Tue 3-4 (1), Mon 3-10 (2), 3-11 (3), 3-12 (4), 3-13 (5).
    assert CAL.due_date(D(2025, 3, 3), 5, [(D(2025, 3, 5), D(2025, 3, 7))]).due_date == D(2025, 3, 13)
    # A pause after the due date changes nothing; overlapping pauses count once.
    assert CAL.due_date(D(2025, 3, 3), 5, [(D(2025, 3, 11), None)]).due_date == D(2025, 3, 10)
    overlapping = [(D(2025, 3, 5), D(2025, 3, 6)), (D(2025, 3, 6), D(2025, 3, 7))]
    assert CAL.due_date(D(2025, 3, 3), 5, overlapping).due_date == D(2025, 3, 13)


def test_an_open_pause_leaves_the_due_date_unknown():
    # Correction requested Wed 2025-03-05 and not yet resubmitted: Tue 3-4 was counted, 4 left.
    deadline = CAL.due_date(D(2025, 3, 3), 5, [(D(2025, 3, 5), None)])
    assert deadline == Deadline(None, provisional=False, days_left_when_stopped=4)


def test_a_pause_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends before"):
        CAL.due_date(D(2025, 3, 3), 5, [(D(2025, 3, 5), D(2025, 3, 4))])


def test_overrides_win_over_chinesecalendar_and_weekends():
    cal = WorkCalendar({D(2025, 10, 8): True, D(2025, 3, 5): False, D(2027, 1, 1): False})
    assert cal.is_workday(D(2025, 10, 8)) and not CAL.is_workday(D(2025, 10, 8))
    assert not cal.is_workday(D(2025, 3, 5))
    assert not cal.is_workday(D(2027, 1, 1))
    assert cal.add_workdays(D(2025, 10, 7), 1) == D(2025, 10, 8)


# -- past chinesecalendar's data ------------------------------------------------------


def test_2027_is_counted_by_weekends_and_provisional():
    assert not CAL.is_known(D(2027, 1, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 1))  # the library gives up; we do not
    # Accepted Fri 2026-12-25, 10 days, weekends only: 12-28..12-31 (1..4), Fri 2027-01-01 (5),
    # 1-4..1-8 (6..10). 1-1 is surely a holiday, but only the entered arrangement says so.
    assert CAL.due_date(D(2026, 12, 25), 10) == Deadline(D(2027, 1, 8), provisional=True)
    # Entirely inside 2026: final.
    assert CAL.due_date(D(2026, 12, 1), 5) == Deadline(D(2026, 12, 8), provisional=False)
    # Once the year is entered (元旦 1-1..1-3 here, for illustration), 1-1 is off and the date final.
    entered = WorkCalendar({D(2027, 1, d): False for d in (1, 2, 3)}, entered_years=[2027])
    assert entered.due_date(D(2026, 12, 25), 10) == Deadline(D(2027, 1, 11), provisional=False)


def test_the_weekend_fallback_alone():
    bare = WorkCalendar(use_chinesecalendar=False)
    assert bare.add_workdays(D(2025, 1, 24), 5) == D(2025, 1, 31)  # Spring Festival unknown to it
    assert bare.due_date(D(2025, 1, 24), 5).provisional is True
