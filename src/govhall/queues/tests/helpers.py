"""Builders for the queue tests: clerks at the demo hall's windows, a second hall, and a
clock the tests move."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from govhall.accounts.models import Hall, StaffProfile, User, Window, WindowGroup
from govhall.accounts.roles import Role
from govhall.accounts.services import role_groups_ensure

DEMO_HALL = "莲湖区政务服务中心"
_serial = itertools.count(1)


def hall() -> Hall:
    return Hall.objects.get(name=DEMO_HALL)


def group(letter: str, in_hall: Hall | None = None) -> WindowGroup:
    return WindowGroup.objects.get(hall=in_hall or hall(), letter=letter)


def staff(role: str, in_hall: Hall, window: Window | None = None, username: str | None = None) -> User:
    user = User.objects.create_user(username=username or f"q-{role}-{next(_serial)}", password="x-Pass-1234")
    StaffProfile.objects.create(user=user, role=role, hall=in_hall, window=window)
    user.groups.set([role_groups_ensure()[role]])
    return user


def clerk_at(code: str, in_hall: Hall | None = None) -> User:
    where = in_hall or hall()
    return staff(Role.CLERK, where, Window.objects.get(hall=where, code=code))


def other_hall() -> tuple[Hall, WindowGroup, User, User]:
    """A second hall with group A, window 1, a clerk there and its manager."""
    home = hall()
    other, _ = Hall.objects.get_or_create(name="测试区政务服务中心", defaults={"region": home.region})
    grp, _ = WindowGroup.objects.get_or_create(hall=other, letter="A", defaults={"name": "综合受理"})
    window, _ = Window.objects.get_or_create(hall=other, code="1", defaults={"group": grp})
    return other, grp, staff(Role.CLERK, other, window), staff(Role.HALL_MANAGER, other)


class Clock:
    """services._now, moved by hand."""

    def __init__(self, start: datetime.datetime | None = None):
        self.now = start or timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)
