"""What the case pages share: finding the case for the viewer, a refused service's status,
list lines and the labels of roles."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.cases import presenters, selectors
from govhall.cases.models import Case
from govhall.cases.params import REVIEW_RECOMMENDATIONS
from govhall.core.errors import DomainError, NotFound
from govhall.workdays.selectors import get_calendar

ROLE_LABELS = {**dict(Role.choices), scope.APPLICANT: "申请人"}
PAGE_SIZE = 20


def case_or_404(number: str, user) -> Case:
    try:
        return selectors.case_for_actor(number, user, queryset=selectors.detail_queryset())
    except NotFound:
        raise Http404("未找到该办件") from None


def error_status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409) else 400


def row(case: Case, calendar) -> dict[str, Any]:
    """One line of a case list: masked applicant, state, due date, working days left, and
    in the queues a reviewed case's recommendation."""
    review = selectors.current_review(case) if hasattr(case, "review_events") else None  # queues only
    line = presenters.summary_out(case, calendar)
    return {
        **line,
        "applicant": line["applicant_name"],
        "recommendation": REVIEW_RECOMMENDATIONS.get(review.data.get("recommendation"), "") if review else "",
    }


def rows(cases, calendar=None) -> list[dict[str, Any]]:
    calendar = calendar or get_calendar()
    return [row(c, calendar) for c in cases]
