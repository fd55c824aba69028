"""Building schedules and appointments for tests through the real services."""

from __future__ import annotations

import datetime
import itertools
import uuid

from django.utils import timezone

from govhall.accounts.models import Applicant, Hall, User, WindowGroup
from govhall.accounts.validators import id_number_check_char
from govhall.appointments import services
from govhall.appointments.models import Schedule, ScheduleDay

HALL = "莲湖区政务服务中心"
# 食品经营许可 (市场监管, served by the general group A; has situation questions)
FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
# 有限责任公司设立登记 (legal persons)
COMPANY = "000101001000-610104000000-000-11610104LH0000001G-1-00"

# A Monday in a year chinesecalendar knows, with nothing special around it.
MONDAY = datetime.date(2026, 11, 16)


def at(date: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def hall() -> Hall:
    return Hall.objects.get(name=HALL)


def group(letter: str = "A") -> WindowGroup:
    return hall().window_groups.get(letter=letter)


def schedule(
    letter: str = "A", *, capacity: int = 2, online: int | None = None, minutes: int = 30, ahead: int = 7, **extra
) -> Schedule:
    """A schedule for a group of the demo hall, Monday to Friday 09:00-12:00 and 13:30-17:00."""
    found, _ = Schedule.objects.update_or_create(
        window_group=group(letter),
        item_code=extra.pop("item_code", ""),
        defaults={
            "hall": hall(),
            "capacity": capacity,
            "online_capacity": capacity if online is None else online,
            "slot_minutes": minutes,
            "book_ahead_days": ahead,
            "min_notice_minutes": 30,
            "change_cutoff_minutes": 60,
            "active": True,
            **extra,
        },
    )
    for weekday in range(5):
        ScheduleDay.objects.update_or_create(
            schedule=found,
            weekday=weekday,
            defaults={
                "morning_start": datetime.time(9),
                "morning_end": datetime.time(12),
                "afternoon_start": datetime.time(13, 30),
                "afternoon_end": datetime.time(17),
            },
        )
    return found


_serial = itertools.count(1)


def id_number(n: int) -> str:
    body = f"61010419900101{n % 1000:03d}"
    return body + id_number_check_char(body)


def person(prefix: str = "p") -> tuple[User, Applicant]:
    """A registered natural person with their own account."""
    n = next(_serial)
    user = User.objects.create_user(username=f"{prefix}{n}-{uuid.uuid4().hex[:8]}", password="x", phone=f"139{n:08d}")
    applicant = Applicant.objects.create(
        kind=Applicant.Kind.NATURAL, name=f"测试{n}", id_number=id_number(n), phone=user.phone, user=user
    )
    return user, applicant


def user(username: str) -> User:
    return User.objects.get(username=username)


def book(actor: User, start: datetime.datetime, *, now: datetime.datetime | None = None, item: str = FOOD, **kw):
    return services.appointment_book(
        actor=actor, hall=hall(), item_code=item, slot_start=start, now=now or start - datetime.timedelta(days=1), **kw
    )
