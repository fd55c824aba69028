"""Bundle cases react to their member cases (``core.events``, after the case's commit): hold
issued results for unified delivery, tell the applicant once on the bundle about a
correction or a refusal, deliver together when all are decided, recompute the status. At
least once: ``services.member_moved`` is idempotent (notices are keyed by the event)."""

from __future__ import annotations

from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="bundles.member_moved")
def member_moved(transitioned: CaseTransitioned) -> None:
    from govhall.bundles.services import member_moved as moved

    moved(case_id=transitioned.case_id, action=transitioned.action, event_id=transitioned.event_id)
