"""Reads of bundle cases and who may see them.

The applicant side (the applicant, its operators, whoever filed it) sees the whole bundle
case; staff see a bundle case through its member cases only: those the cases' own scope
(``cases.selectors``) lets them see, and nothing of the others. So a department sees its
own member cases of a bundle, a general window (which took them all in) sees all of them,
and an outsider gets 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.bundles.models import BundleCase, BundleCaseMember, BundleNotice
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case, State
from govhall.cases.workflow import TERMINAL
from govhall.catalog import bundles as catalog_bundles
from govhall.catalog.models import MaterialRequirement
from govhall.core.errors import NotFound
from govhall.licences.selectors import usable_licences
from govhall.workdays.selectors import get_calendar

BUNDLE_SCOPE = scope.Policy(applicant="applicant", filer="filed_by")

# A member is decided (for unified issuance) once it is issued or closed.
DECIDED = (State.ISSUED, *TERMINAL)


def _applicant_side(user: User) -> Q:
    return scope.applicant_filter(user, BUNDLE_SCOPE)


def visible_bundle_cases(user: User) -> QuerySet[BundleCase]:
    if not user.is_authenticated:
        return BundleCase.objects.none()
    through_members = BundleCaseMember.objects.filter(case__in=case_selectors.visible_cases(user)).values(
        "bundle_case_id"
    )
    return BundleCase.objects.filter(_applicant_side(user) | Q(pk__in=through_members))


def is_applicant_side(user: User, bundle_case: BundleCase) -> bool:
    return scope.is_applicant_side(user, bundle_case, BUNDLE_SCOPE)


def acts_for_applicant(user: User, bundle_case: BundleCase) -> bool:
    return scope.acts_on_applicant_side(user, bundle_case, BUNDLE_SCOPE)


def members(bundle_case: BundleCase) -> list[BundleCaseMember]:
    return list(
        bundle_case.members.select_related("case", "case__item", "case__department", "case__applicant").order_by(
            "order", "id"
        )
    )


def visible_members(user: User, bundle_case: BundleCase) -> list[BundleCaseMember]:
    """The members ``user`` may see: all of them on the applicant side, else those whose
    case the cases' scope shows them."""
    found = members(bundle_case)
    if is_applicant_side(user, bundle_case):
        return found
    return [m for m in found if case_selectors.can_see(user, m.case)]


def can_see(user: User, bundle_case: BundleCase) -> bool:
    return user.is_authenticated and (is_applicant_side(user, bundle_case) or bool(visible_members(user, bundle_case)))


def bundle_case_for_actor(number: str, user: User) -> BundleCase:
    """The bundle case if ``user`` may see it; otherwise NotFound (never Forbidden)."""
    found = BundleCase.objects.select_related("bundle", "applicant", "hall").filter(number=number).first()
    if found is None or not can_see(user, found):
        raise NotFound("未找到该一件事办件", code="bundle_case_not_found")
    return found


def list_for(user: User) -> QuerySet[BundleCase]:
    return visible_bundle_cases(user).select_related("bundle", "applicant").order_by("-created_at", "-id")


def notices(bundle_case: BundleCase) -> list[BundleNotice]:
    return list(bundle_case.notices.all())


def open_corrections(bundle_case: BundleCase, member_rows: list[BundleCaseMember] | None = None) -> list[dict]:
    """Everything to fix now across the members waiting for a correction: one list."""
    out = []
    for member in member_rows if member_rows is not None else members(bundle_case):
        if member.case.state != State.CORRECTION_REQUESTED:
            continue
        for correction in member.case.corrections.filter(resolved_at__isnull=True):
            for item in correction.items:
                out.append(
                    {
                        "case_number": member.case.number,
                        "item_name": member.case.item.name,
                        "name": item.get("name") or "",
                        "problem": item.get("problem") or "",
                        "requirement_id": item.get("requirement_id"),
                    }
                )
    return out


@dataclass(frozen=True)
class BundleDeadline:
    """One date for the whole bundle: counted from the acceptance of the last member
    accepted, by the longest member's promised working days (not the sum: 并联审批).
    ``due_date`` is None until every open member is accepted."""

    due_date: datetime.date | None
    limit_workdays: int
    counted_from: datetime.date | None


def bundle_deadline(member_rows: list[BundleCaseMember]) -> BundleDeadline:
    live = [m for m in member_rows if m.case.state not in (State.WITHDRAWN, State.REJECTED)]
    limit = catalog_bundles.bundle_limit([m.case.item for m in live])
    accepted = [m.case.accepted_on for m in live]
    if not live or any(a is None for a in accepted):
        return BundleDeadline(None, limit, None)
    start = max(accepted)
    return BundleDeadline(get_calendar().add_workdays(start, limit), limit, start)


def all_decided(member_rows: list[BundleCaseMember]) -> bool:
    return bool(member_rows) and all(m.case.state in DECIDED for m in member_rows)


def waiting_delivery(member_rows: list[BundleCaseMember]) -> list[BundleCaseMember]:
    """Members whose result is issued and waits for unified delivery."""
    return [m for m in member_rows if m.held and m.case.state == State.ISSUED]


def delivery_modes(member_rows: list[BundleCaseMember]) -> list[str]:
    """The delivery modes every member offers (one window pick-up, one mail item…)."""
    modes: list[str] | None = None
    for m in member_rows:
        offered = list(m.case.item.delivery_modes or ["window"])
        modes = offered if modes is None else [x for x in modes if x in offered]
    return modes or []


def case_member(case: Case) -> BundleCaseMember | None:
    return BundleCaseMember.objects.select_related("bundle_case").filter(case=case).first()


def library_lacks(applicant, materials: list) -> set[str]:
    """The names of the bundle materials the licence library would supply (免证办) but holds
    nothing usable for this applicant: the pages ask for them instead of promising 免提交.
    Shared-data materials are fetched by the departments and never asked."""
    fetched = [m for m in materials if m.source == MaterialRequirement.Source.LICENCE]
    if applicant is None or not fetched:
        return set()
    ids = {rid for m in fetched for rid in m.targets.values()}
    types = dict(MaterialRequirement.objects.filter(id__in=ids).values_list("id", "licence_type"))
    usable = usable_licences(applicant, [t for t in types.values() if t])
    return {m.name for m in fetched if any(types.get(rid) not in usable for rid in m.targets.values())}
