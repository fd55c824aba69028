"""Where bundle cases show on pages they do not own (core.links): a member case links to its
bundle case, and the menu to 我的一件事."""

from __future__ import annotations

from django.urls import reverse

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.bundles import selectors
from govhall.bundles.models import BundleCaseMember
from govhall.core import links


@links.for_case
def case_bundle(case, user):
    row = BundleCaseMember.objects.filter(case=case).values_list("bundle_case__number", "held").first()
    if row is None:
        return
    number, held = row
    note = "本办件属于一件事，结果在全部事项办结后统一送达" if held else "本办件属于一件事，查看整体进度"
    yield links.Link("一件事办件", reverse("bundles:case", args=[number]), note, order=5)


@links.for_nav
def my_bundles(user):
    if user is None or not user.is_authenticated:
        return
    if scope.staff_role(user) == Role.CLERK:
        yield links.Link("一件事收件", reverse("bundles:intake"), order=24)
    if selectors.visible_bundle_cases(user).exists():
        yield links.Link("一件事", reverse("bundles:index"), order=25)
