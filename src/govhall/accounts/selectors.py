"""Reads for accounts."""

from __future__ import annotations

from dataclasses import dataclass

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, Operator, StaffProfile, User, WindowGroup


@dataclass(frozen=True)
class Identity:
    """What 我的信息 shows a signed-in person about themselves."""

    own: Applicant | None  # the natural or legal person the account is
    companies: list[Applicant]  # the legal persons it is an operator of
    staff: StaffProfile | None


def identity_of(user: User) -> Identity:
    applicants = scope.represented(user)
    own = next((a for a in applicants if a.user_id == user.pk), None)
    staff = StaffProfile.objects.select_related("department", "region", "hall", "window").filter(user=user).first()
    return Identity(own=own, companies=[a for a in applicants if a is not own], staff=staff)


def represented_by(user: User) -> list[Applicant]:
    """The legal persons ``user`` registered online as their legal representative: those
    whose operators they may authorise (经办人管理)."""
    return list(
        Applicant.objects.filter(
            kind=Applicant.Kind.LEGAL, operators__user=user, operators__is_legal_representative=True
        ).order_by("id")
    )


def operators_of(companies: list[Applicant]) -> dict[int, list[Operator]]:
    """Each company's operators (by company id), the legal representative first, then by
    date of authorisation: one query however many companies."""
    found: dict[int, list[Operator]] = {c.pk: [] for c in companies}
    for operator in (
        Operator.objects.filter(applicant__in=list(found))
        .select_related("user")
        .order_by("-is_legal_representative", "created_at", "id")
    ):
        found[operator.applicant_id].append(operator)
    return found


def window_groups(hall: Hall) -> list[WindowGroup]:
    return list(hall.window_groups.prefetch_related("departments").order_by("order", "letter"))


def window_group_for(hall: Hall, item_code: str, department_id: int | None) -> WindowGroup | None:
    """The group of ``hall`` that serves an item: the one listing its code, else the one of
    its department, else the general group (neither departments nor items listed); None
    when the hall has no groups."""
    groups = window_groups(hall)
    for group in groups:
        if item_code in (group.item_codes or []):
            return group
    for group in groups:
        if department_id is not None and any(d.id == department_id for d in group.departments.all()):
            return group
    return next((g for g in groups if not g.item_codes and not g.departments.all()), None)
