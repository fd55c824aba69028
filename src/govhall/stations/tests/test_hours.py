"""Opening hours: the weekly schedule, its text, and the working-day calendar (holidays,
adjusted working days, ordinary weekends)."""

from __future__ import annotations

import datetime

import pytest

from govhall.stations.hours import ALWAYS, DayHours, Schedule, day_kind
from govhall.workdays.calendar import WorkCalendar

CAL = WorkCalendar()  # chinesecalendar's data: 2025 is known
STATION = Schedule.parse("1-5 08:30-12:00 14:00-18:00\n6 09:00-12:00")


def at(day: str, clock: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{clock}")


def test_parse_text_and_source_round_trip():
    assert STATION.days[0] == STATION.days[4] and len(STATION.days[0]) == 2
    assert STATION.days[6] == ()
    assert STATION.text() == "周一至周五 8:30-12:00，14:00-18:00；周六 9:00-12:00"
    assert Schedule.parse(STATION.source()) == STATION
    assert Schedule.from_json(STATION.to_json()) == STATION
    assert ALWAYS.text() == "全天24小时开放" and ALWAYS.always
    assert Schedule.parse("1,3 09:00-11:00").text() == "周一 9:00-11:00；周三 9:00-11:00"
    assert Schedule.parse("6-7 10:00-16:00").text() == "周六、周日 10:00-16:00"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("8 09:00-12:00", "开头应是星期几"),
        ("1-5", "请写出开放时间段"),
        ("1-5 9-12", "应写成 09:00-12:00"),
        ("1 12:00-09:00", "结束时间应晚于开始时间"),
        ("1 09:00-12:00 11:00-13:00", "重叠"),
        ("1-5 09:00-12:00\n3 14:00-15:00", "写了不止一次"),
        ("5-1 09:00-12:00", "从小到大"),
    ],
)
def test_bad_schedules_are_explained(text, problem):
    with pytest.raises(ValueError, match=problem):
        Schedule.parse(text)


def test_stored_form_is_checked():
    for bad in ([], [[]] * 6, [["09:00-12:00"]] * 7 + [[]], "1-5 09:00-12:00", [["9-12"]] * 7):
        with pytest.raises(ValueError):
            Schedule.from_json(bad)


def test_day_kinds_from_the_calendar():
    assert day_kind(datetime.date(2025, 10, 1), CAL) == DayHours.HOLIDAY  # 国庆, a Wednesday
    assert day_kind(datetime.date(2025, 10, 4), CAL) == DayHours.HOLIDAY  # a Saturday inside the break
    assert day_kind(datetime.date(2025, 10, 11), CAL) == DayHours.ADJUSTED  # 调休上班, a Saturday
    assert day_kind(datetime.date(2025, 9, 28), CAL) == DayHours.ADJUSTED  # 调休上班, a Sunday
    assert day_kind(datetime.date(2025, 10, 18), CAL) == DayHours.REST  # an ordinary Saturday
    assert day_kind(datetime.date(2025, 10, 15), CAL) == DayHours.REGULAR


def test_open_now_follows_the_calendar():
    # an ordinary Wednesday: the morning and afternoon stretches, not lunch
    assert STATION.is_open(at("2025-10-15", "09:00"), CAL)
    assert not STATION.is_open(at("2025-10-15", "12:30"), CAL)
    assert STATION.is_open(at("2025-10-15", "17:59"), CAL) and not STATION.is_open(at("2025-10-15", "18:00"), CAL)
    # a public holiday on a weekday: closed; the Saturday morning hours on an ordinary Saturday only
    assert not STATION.is_open(at("2025-10-01", "09:00"), CAL)
    assert STATION.is_open(at("2025-10-18", "10:00"), CAL)
    assert not STATION.is_open(at("2025-10-04", "10:00"), CAL)
    # an adjusted working Sunday opens with the weekday hours (the afternoon too)
    assert STATION.is_open(at("2025-09-28", "15:00"), CAL)
    # a place that does not follow the calendar keeps its week
    assert STATION.is_open(at("2025-10-01", "09:00"), CAL, follows_calendar=False)
    assert ALWAYS.is_open(at("2025-10-01", "03:00"), CAL, follows_calendar=False)


def test_the_day_says_why_and_when_it_next_opens():
    assert STATION.day(datetime.date(2025, 10, 1), CAL).text() == "法定节假日，不开放"
    assert STATION.day(datetime.date(2025, 10, 11), CAL).text() == "调休上班，8:30-12:00，14:00-18:00"
    assert STATION.day(datetime.date(2025, 10, 19), CAL).text() == "不开放"
    # on the evening of 30 September the next opening is after the whole National Day break
    assert STATION.next_opening(at("2025-09-30", "19:00"), CAL) == at("2025-10-09", "08:30")
    assert STATION.next_opening(at("2025-10-15", "12:10"), CAL) == at("2025-10-15", "14:00")
    assert Schedule.parse("").next_opening(at("2025-10-15", "12:10"), CAL) is None
