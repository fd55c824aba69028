"""Opening hours: a weekly schedule read against the working-day calendar.

A schedule lists, for each day of the week, the stretches a place is open
(``09:00-12:00``, ``13:30-17:30``; ``00:00-24:00`` is all day). Written for people and the
admin one line per group of days, Monday = 1::

    1-5 09:00-12:00 13:30-17:30
    6 09:00-12:00

and stored as seven lists of ``"HH:MM-HH:MM"`` (:meth:`Schedule.to_json`).

A place that **follows the calendar** (``closed_on_holidays``: halls and stations) is closed
on public holidays (法定节假日) even on a weekday, and opens on an adjusted working day
(调休上班, a Saturday or Sunday the State Council makes a working day) with the hours of its
first weekday that has any (Monday's, usually). Ordinary weekends keep the schedule's own
Saturday and Sunday hours: a community station open on Saturday mornings is open on an
ordinary Saturday, closed on one that falls in the National Day holiday. The calendar
(``govhall.workdays``) says only whether a day is a working day, so a rest day counts as a
holiday when its run of consecutive rest days takes in a Monday–Friday (a weekend next to
the holiday, or inside it); a lone weekend is an ordinary one. A place that does not follow
it (a 24-hour locker) keeps its weekly schedule every day.
"""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass
from typing import Protocol

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d|24:00"
_STRETCH = re.compile(rf"^({_TIME})-({_TIME})$")
_DAYS = re.compile(r"^[1-7](?:-[1-7])?(?:,[1-7](?:-[1-7])?)*$")
MAX_STRETCHES = 4


class Calendar(Protocol):
    def is_workday(self, d: datetime.date) -> bool: ...


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Stretch:
    start: int  # minutes after midnight
    end: int  # exclusive; 1440 is midnight at the day's end

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"

    @property
    def stored(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


def _stretch(text: str) -> Stretch:
    found = _STRETCH.match(text.strip())
    if not found:
        raise ValueError(f"时间段“{text}”应写成 09:00-12:00")
    start, end = _minutes(found.group(1)), _minutes(found.group(2))
    if end <= start:
        raise ValueError(f"时间段“{text}”的结束时间应晚于开始时间")
    return Stretch(start, end)


def _day_stretches(texts: list[str]) -> tuple[Stretch, ...]:
    stretches = sorted((_stretch(t) for t in texts if t.strip()), key=lambda s: s.start)
    if len(stretches) > MAX_STRETCHES:
        raise ValueError(f"每天最多{MAX_STRETCHES}个时间段")
    for earlier, later in itertools.pairwise(stretches):
        if later.start < earlier.end:
            raise ValueError(f"时间段 {earlier} 与 {later} 重叠")
    return tuple(stretches)


@dataclass(frozen=True)
class Schedule:
    """Seven days (Monday first) of opening stretches."""

    days: tuple[tuple[Stretch, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("一周应有7天")

    # -- reading and writing ------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """From the admin's lines (``1-5 09:00-12:00 13:30-17:30``, ``;`` or new lines
        between groups). A day named twice is an error; days not named are closed."""
        days: list[tuple[Stretch, ...] | None] = [None] * 7
        for raw in re.split(r"[;\n；]+", text or ""):
            line = raw.strip()
            if not line:
                continue
            parts = line.replace("，", " ").split()
            spec, stretches = parts[0], parts[1:]
            if not _DAYS.match(spec):
                raise ValueError(f"“{line}”：开头应是星期几（1-7，周一为1），如 1-5 09:00-12:00")
            if not stretches:
                raise ValueError(f"“{line}”：请写出开放时间段，如 09:00-12:00")
            parsed = _day_stretches(stretches)
            for weekday in _expand(spec):
                if days[weekday] is not None:
                    raise ValueError(f"{WEEKDAYS[weekday]}写了不止一次")
                days[weekday] = parsed
        return cls(tuple(d or () for d in days))

    @classmethod
    def from_json(cls, data: object) -> Schedule:
        """From the stored form; ValueError when it is not one."""
        if not isinstance(data, list) or len(data) != 7 or not all(isinstance(d, list) for d in data):
            raise ValueError("开放时间应为7天的时间段列表")
        return cls(tuple(_day_stretches([str(t) for t in day]) for day in data))

    def to_json(self) -> list[list[str]]:
        return [[s.stored for s in day] for day in self.days]

    def source(self) -> str:
        """The admin's lines for this schedule (parse gives it back)."""
        return "\n".join(
            f"{_days_spec(group)} {' '.join(s.stored for s in stretches)}"
            for group, stretches in self._groups()
            if stretches
        )

    def text(self) -> str:
        """For people: 周一至周五 9:00-12:00，13:30-17:30；周六 9:00-12:00."""
        if all(day == (Stretch(0, 1440),) for day in self.days):
            return "全天24小时开放"
        parts = [
            f"{_days_label(group)} {stretches_text(stretches)}" for group, stretches in self._groups() if stretches
        ]
        return "；".join(parts) or "暂无开放时间"

    def _groups(self) -> list[tuple[list[int], tuple[Stretch, ...]]]:
        groups: list[tuple[list[int], tuple[Stretch, ...]]] = []
        for weekday, stretches in enumerate(self.days):
            if groups and groups[-1][1] == stretches and groups[-1][0][-1] == weekday - 1:
                groups[-1][0].append(weekday)
            else:
                groups.append(([weekday], stretches))
        return groups

    @property
    def always(self) -> bool:
        return all(day == (Stretch(0, 1440),) for day in self.days)

    # -- against the calendar -----------------------------------------------------------

    def day(self, d: datetime.date, calendar: Calendar, *, follows_calendar: bool = True) -> DayHours:
        """The stretches ``d`` is open, and why (a holiday, an adjusted working day)."""
        own = self.days[d.weekday()]
        if not follows_calendar:
            return DayHours(d, own, DayHours.REGULAR)
        kind = day_kind(d, calendar)
        if kind == DayHours.HOLIDAY:
            return DayHours(d, (), kind)
        if kind == DayHours.ADJUSTED:
            weekday_hours = next((h for h in self.days[:5] if h), ())
            return DayHours(d, weekday_hours, kind)
        return DayHours(d, own, DayHours.REGULAR)

    def is_open(self, at: datetime.datetime, calendar: Calendar, *, follows_calendar: bool = True) -> bool:
        """Whether the place is open at ``at`` (a local time: callers pass localtime())."""
        minute = at.hour * 60 + at.minute
        hours = self.day(at.date(), calendar, follows_calendar=follows_calendar)
        return any(s.start <= minute < s.end for s in hours.stretches)

    def next_opening(
        self, at: datetime.datetime, calendar: Calendar, *, follows_calendar: bool = True, days: int = 14
    ) -> datetime.datetime | None:
        """When it next opens after ``at`` (naive local time), within ``days``; None if never."""
        minute = at.hour * 60 + at.minute
        for offset in range(days + 1):
            d = at.date() + datetime.timedelta(days=offset)
            for stretch in self.day(d, calendar, follows_calendar=follows_calendar).stretches:
                if offset > 0 or stretch.start > minute:
                    return datetime.datetime.combine(d, datetime.time()) + datetime.timedelta(minutes=stretch.start)
        return None


@dataclass(frozen=True)
class DayHours:
    REGULAR = "regular"
    HOLIDAY = "holiday"  # 法定节假日: closed, whatever the weekday
    ADJUSTED = "adjusted"  # 调休上班: a weekend day worked, with weekday hours
    REST = "rest"  # an ordinary weekend day (day_kind only; its hours are the schedule's)

    date: datetime.date
    stretches: tuple[Stretch, ...]
    kind: str

    def text(self) -> str:
        if self.kind == self.HOLIDAY:
            return "法定节假日，不开放"
        if not self.stretches:
            return "不开放"
        prefix = "调休上班，" if self.kind == self.ADJUSTED else ""
        return prefix + stretches_text(self.stretches)


def day_kind(d: datetime.date, calendar: Calendar) -> str:
    """``holiday``, ``adjusted`` (a weekend working day), ``rest`` (an ordinary weekend) or
    ``regular`` (a working weekday). A rest day is a holiday when its run of rest days
    takes in a Monday–Friday (see the module's docstring)."""
    if calendar.is_workday(d):
        return DayHours.ADJUSTED if d.weekday() >= 5 else DayHours.REGULAR
    if d.weekday() < 5:
        return DayHours.HOLIDAY
    for step in (-1, 1):
        other = d
        for _ in range(10):  # the longest break (Spring Festival, National Day) is 8-9 days
            other += datetime.timedelta(days=step)
            if calendar.is_workday(other):
                break
            if other.weekday() < 5:
                return DayHours.HOLIDAY
    return DayHours.REST


def stretches_text(stretches: tuple[Stretch, ...]) -> str:
    if stretches == (Stretch(0, 1440),):
        return "全天24小时"
    return "，".join(str(s) for s in stretches) if stretches else "不开放"


def _expand(spec: str) -> list[int]:
    days: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        a, b = int(first), int(last or first)
        if b < a:
            raise ValueError(f"“{part}”：起止星期应从小到大")
        days.extend(range(a - 1, b))
    return days


def _days_spec(group: list[int]) -> str:
    return str(group[0] + 1) if len(group) == 1 else f"{group[0] + 1}-{group[-1] + 1}"


def _days_label(group: list[int]) -> str:
    if len(group) == 1:
        return WEEKDAYS[group[0]]
    joiner = "、" if len(group) == 2 else "至"
    return f"{WEEKDAYS[group[0]]}{joiner}{WEEKDAYS[group[-1]]}"


ALWAYS = Schedule(tuple((Stretch(0, 1440),) for _ in range(7)))
