"""Chinese working-day arithmetic. Pure Python, no ORM: build a ``WorkCalendar`` and ask it.

Rules (see docs/deadlines.md):

* A day is a working day by, in order of precedence: an administrator's override; for a
  year ``chinesecalendar`` knows, its holidays and adjusted working days (调休); otherwise
  Monday to Friday.
* Limits count from the day after acceptance: ``add_workdays(start, n)`` is the n-th
  working day after ``start``; n == 0 is ``start`` itself (即办件, due the same day).
* A year is *known* when ``chinesecalendar`` has its data or an administrator has entered
  the State Council's arrangement. Past its data the calendar still answers, by weekends
  only, and marks the deadline ``provisional``.

Each year's working days are kept as a sorted list of ordinals, built on first use, so
counting and adding are bisections rather than walks through the days.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import chinese_calendar

Pause = tuple[datetime.date, datetime.date | None]


@dataclass(frozen=True)
class Deadline:
    """A computed due date.

    ``due_date`` is None only while an open-ended pause (to_date None) holds the clock;
    ``days_left_when_stopped`` then says how many working days remained when it stopped.
    """

    due_date: datetime.date | None
    provisional: bool
    days_left_when_stopped: int | None = None


@cache
def _chinesecalendar_data() -> tuple[frozenset[int], frozenset[datetime.date], frozenset[datetime.date]]:
    """(known years, holidays, adjusted working days) of the installed chinesecalendar.

    A year is known when chinesecalendar answers for it; it raises NotImplementedError for
    years it has no data for (1.11 stops at 2026), so ask rather than trust the dict keys.
    """
    data_years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    known = set()
    for year in range(min(data_years), max(data_years) + 2):
        try:
            chinese_calendar.is_workday(datetime.date(year, 6, 1))
        except NotImplementedError:
            continue
        known.add(year)
    return (
        frozenset(known),
        frozenset(d for d in chinese_calendar.holidays if d.year in known),
        frozenset(d for d in chinese_calendar.workdays if d.year in known),
    )


class WorkCalendar:
    """The working-day calendar: chinesecalendar's data, overrides on top, weekends elsewhere.

    Immutable after construction (the per-year lists are a cache of derived data), so one
    instance can be shared between threads and requests.
    """

    def __init__(
        self,
        overrides: Mapping[datetime.date, bool] | None = None,
        entered_years: Iterable[int] = (),
        *,
        use_chinesecalendar: bool = True,
    ) -> None:
        if use_chinesecalendar:
            self._base_years, self._base_holidays, self._base_workdays = _chinesecalendar_data()
        else:  # weekends only: for tests of the fallback and for places without the package
            self._base_years, self._base_holidays, self._base_workdays = frozenset(), frozenset(), frozenset()
        self._overrides: dict[int, bool] = {d.toordinal(): bool(w) for d, w in (overrides or {}).items()}
        self._entered_years = frozenset(entered_years)
        self._years: dict[int, list[int]] = {}

    # -- single days ---------------------------------------------------------------

    def is_workday(self, d: datetime.date) -> bool:
        override = self._overrides.get(d.toordinal())
        if override is not None:
            return override
        if d.year in self._base_years:
            if d in self._base_workdays:
                return True
            if d in self._base_holidays:
                return False
        return d.weekday() < 5

    def is_year_known(self, year: int) -> bool:
        return year in self._base_years or year in self._entered_years

    def is_known(self, d: datetime.date) -> bool:
        """True when the day's year has an official arrangement (not the weekend fallback)."""
        return self.is_year_known(d.year)

    def _year(self, year: int) -> list[int]:
        """Sorted ordinals of the working days of ``year``, built once."""
        days = self._years.get(year)
        if days is None:
            first = datetime.date(year, 1, 1)
            start = first.toordinal()
            end = datetime.date(year, 12, 31).toordinal()
            # Monday to Friday by ordinal arithmetic (ordinal 1, 0001-01-01, was a Monday);
            # only the year's few exceptions are then looked at as dates.
            days_set = {o for o in range(start, end + 1) if (o - 1) % 7 < 5}
            if year in self._base_years:
                days_set -= {d.toordinal() for d in self._base_holidays if d.year == year}
                days_set |= {d.toordinal() for d in self._base_workdays if d.year == year}
            for o, is_work in self._overrides.items():
                if start <= o <= end:
                    if is_work:
                        days_set.add(o)
                    else:
                        days_set.discard(o)
            days = sorted(days_set)
            self._years[year] = days
        return days

    # -- arithmetic ----------------------------------------------------------------

    def _count_upto(self, year: int, ordinal: int) -> int:
        """Working days of ``year`` on or before ``ordinal``."""
        return bisect_right(self._year(year), ordinal)

    def workdays_between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days in (a, b]: a itself does not count, b does. 0 when b <= a."""
        if b <= a:
            return 0
        oa, ob = a.toordinal(), b.toordinal()
        if a.year == b.year:
            return self._count_upto(b.year, ob) - self._count_upto(a.year, oa)
        total = len(self._year(a.year)) - self._count_upto(a.year, oa)
        for year in range(a.year + 1, b.year):
            total += len(self._year(year))
        return total + self._count_upto(b.year, ob)

    def add_workdays(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after ``start``; ``start`` itself when n == 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start
        year = start.year
        index = self._count_upto(year, start.toordinal())  # first working day after start
        while True:
            days = self._year(year)
            if index + n <= len(days):
                return datetime.date.fromordinal(days[index + n - 1])
            n -= len(days) - index
            year += 1
            index = 0

    def due_date(self, start: datetime.date, n: int, pauses: Sequence[Pause] = ()) -> Deadline:
        """Due date of an n-working-day limit counted from ``start``, with the clock stopped
        on every day of each pause.

        A pause (from_date, to_date) covers both ends: from_date is the first day the clock
        stands still, to_date the last (for a correction request, the day of resubmission,
        since counting resumes the next day as it does after acceptance). to_date None means
        the clock is still stopped: the due date is unknown until it restarts.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        cursor = start  # the last day accounted for
        left = n
        for p_from, p_to in _merge(pauses):
            if p_to is not None and p_to <= cursor:
                continue
            before = p_from - datetime.timedelta(days=1)
            counted = self.workdays_between(cursor, before)
            if counted >= left:
                break
            left -= counted
            if p_to is None:
                return Deadline(None, self._provisional(start, max(cursor, before)), left)
            cursor = max(cursor, p_to)
        due = self.add_workdays(cursor, left)
        return Deadline(due, self._provisional(start, due))

    def _provisional(self, start: datetime.date, last: datetime.date) -> bool:
        """Whether any day in (start, last] lies in a year without an official arrangement."""
        if last <= start:
            return False
        first_year = (start + datetime.timedelta(days=1)).year
        return any(not self.is_year_known(y) for y in range(first_year, last.year + 1))

    def remaining_workdays(self, today: datetime.date, deadline_date: datetime.date) -> int:
        """Working days left: 0 on the due date, negative once overdue.

        Overdue is -(working days in (deadline_date, today]); so on the weekend after a
        Friday due date this is still 0. Decide "overdue" by today > deadline_date.
        """
        if today <= deadline_date:
            return self.workdays_between(today, deadline_date)
        return -self.workdays_between(deadline_date, today)


def _merge(pauses: Sequence[Pause]) -> list[Pause]:
    """Pauses sorted and merged, so overlapping or adjacent ones count once."""
    merged: list[Pause] = []
    for p_from, p_to in sorted(pauses, key=lambda p: p[0]):
        if p_to is not None and p_to < p_from:
            raise ValueError(f"pause ends before it starts: {p_from} – {p_to}")
        if merged:
            last_from, last_to = merged[-1]
            if last_to is None:
                break  # an open pause swallows everything after it
            if p_from <= last_to + datetime.timedelta(days=1):
                merged[-1] = (last_from, None if p_to is None else max(last_to, p_to))
                continue
        merged.append((p_from, p_to))
    return merged
