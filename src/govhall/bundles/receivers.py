"""Bundle cases react to their member cases (``core.events``, after the case's commit): hold
issued results for unified delivery, tell the applicant once on the bundle about a
correction or a refusal, deliver together when all are decided, recompute the status. At
least once: ``services.member_moved`` is idempotent (notices are keyed by the event)."""

from __future__ import annotations

from govhall.cases import notices
from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="bundles.member_moved")
def member_moved(transitioned: CaseTransitioned) -> None:
    from govhall.bundles.services import member_moved as moved

    moved(case_id=transitioned.case_id, action=transitioned.action, event_id=transitioned.event_id)


# The bundle tells the applicant once about these (services.member_moved), so the member
# case's own notice would say it a second time.
_BUNDLE_SPEAKS = ("request_correction", "deny", "reject")


@notices.spoken_for
def bundle_speaks(case, action: str) -> bool:
    if action not in (*_BUNDLE_SPEAKS, "issue"):
        return False
    from govhall.bundles.models import BundleCaseMember, Delivery

    member = BundleCaseMember.objects.filter(case_id=case.pk).select_related("bundle_case").first()
    if member is None:
        return False
    # a result held for unified delivery is announced when all are ready, on the bundle
    return action in _BUNDLE_SPEAKS or member.bundle_case.delivery == Delivery.TOGETHER
