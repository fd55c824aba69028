"""Where the lockers show on pages they do not own (core.links): the case page offers a
drop-off or shows the live parcel, and staff find the lockers in the menu."""

from __future__ import annotations

from django.urls import reverse

from govhall.accounts import scope
from govhall.cases import selectors as case_selectors
from govhall.core import links
from govhall.lockers import selectors
from govhall.lockers.models import Parcel
from govhall.lockers.workflow import LIVE, Kind, ParcelState


@links.for_case
def case_lockers(case, user):
    roles = case_selectors.actor_roles(user, case)
    if not roles:
        return
    url = reverse("lockers:case", args=[case.number])
    live = set(Parcel.objects.filter(case=case, status__in=LIVE).values_list("kind", "status"))
    if scope.APPLICANT in roles:
        if (Kind.PICKUP, ParcelState.DEPOSITED) in live:
            yield links.Link("信包箱取件", url, "办理结果已存入信包箱，取件码已短信发送", order=10)
        elif (Kind.DROPOFF, ParcelState.RESERVED) in live:
            yield links.Link("信包箱交件", url, "已预约信包箱格口，开箱码已短信发送", order=10)
        elif (Kind.DROPOFF, ParcelState.DROPPED) in live:
            yield links.Link("信包箱交件", url, "纸质原件已投递，待工作人员收件", order=10)
        elif selectors.dropoff_refusal(case) is None:
            yield links.Link("预约信包箱交件", url, "纸质原件可24小时投递到就近的自助信包箱，不必到窗口", order=10)
        elif selectors.may_choose_pickup_site(case) and selectors.pickup_choice(case) is None:
            yield links.Link("选择信包箱取件地点", url, "办结后可在就近的自助信包箱取件", order=20)
        return
    if live or selectors.pickup_refusal(case) is None or selectors.dropoff_refusal(case) is None:
        yield links.Link("信包箱（交件与出件）", url, order=10)


@links.for_nav
def staff_lockers(user):
    if user is not None and user.is_authenticated and scope.reach(user) is not None:
        yield links.Link("信包箱", reverse("lockers:index"), order=30)
