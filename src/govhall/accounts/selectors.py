"""Reads for accounts."""

from __future__ import annotations

from dataclasses import dataclass

from govhall.accounts.models import Applicant, StaffProfile, User


@dataclass(frozen=True)
class Identity:
    """What 我的信息 shows a signed-in person about themselves."""

    own: Applicant | None  # the natural or legal person the account is
    companies: list[Applicant]  # the legal persons it is an operator of
    staff: StaffProfile | None


def identity_of(user: User) -> Identity:
    own = Applicant.objects.filter(user=user).first()
    companies = list(Applicant.objects.filter(operators__user=user).order_by("name"))
    staff = StaffProfile.objects.select_related("department", "region", "hall", "window").filter(user=user).first()
    return Identity(own=own, companies=companies, staff=staff)
