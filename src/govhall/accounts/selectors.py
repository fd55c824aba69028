"""Reads for accounts."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from govhall.accounts.models import Applicant, Operator, StaffProfile, User
from govhall.core import rows


def applicants_of(user: User) -> list[Applicant]:
    """The applicants ``user`` may file for: their own identity and the legal persons they
    operate for, by id (one plain statement: every application asks; test_selectors
    checks it against the ORM)."""
    return [found for found, _ in _APPLICANT.fetch(_applicants_sql(), [user.pk, user.pk])]


_APPLICANT = rows.Shape(Applicant)


@functools.cache
def _applicants_sql() -> str:
    q = rows.quote
    return (
        f"SELECT {_APPLICANT.columns('a')} FROM {q(Applicant._meta.db_table)} a"  # noqa: S608 (names from metadata)
        f" WHERE a.user_id = %s OR a.id IN (SELECT o.applicant_id FROM {q(Operator._meta.db_table)} o"
        " WHERE o.user_id = %s) ORDER BY a.id"
    )


@dataclass(frozen=True)
class Identity:
    """What 我的信息 shows a signed-in person about themselves."""

    own: Applicant | None  # the natural or legal person the account is
    companies: list[Applicant]  # the legal persons it is an operator of
    staff: StaffProfile | None


def identity_of(user: User) -> Identity:
    applicants = applicants_of(user)
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
