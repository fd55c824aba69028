"""Where appointments show on pages they do not own (core.links): the menu leads applicants
to 我的预约 and a hall's clerks and managers to 今日预约; an item's guide offers 预约办理 at
each hall that takes appointments for it."""

from __future__ import annotations

from django.urls import reverse

from govhall.accounts import scope
from govhall.appointments import selectors
from govhall.core import links


@links.for_nav
def appointments_nav(user):
    if user is None or not user.is_authenticated:
        return
    if scope.staff_role(user) in selectors.STAFF_ROLES and selectors.staff_hall(user) is not None:
        yield links.Link("今日预约", reverse("appointments:day"), order=31)
        return
    if scope.staff_role(user) is None:
        yield links.Link("我的预约", reverse("appointments:mine"), order=30)


@links.for_item
def appointments_for_item(item, user):
    if scope.staff_role(user) is not None:  # staff book for callers from 今日预约 (电话预约)
        return
    found = selectors.booking_halls(item)
    for hall, schedule in found:
        label = "预约办理" if len(found) == 1 else f"预约办理（{hall.name}）"
        note = "本事项须预约" if schedule.requires_appointment else ""
        yield links.Link(label, reverse("appointments:book", args=[hall.pk, item.code]), note=note, order=20)
