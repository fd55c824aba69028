"""The evaluation system follows the cases (``core.events``, after the case's commit): a
case that concludes (办结出件, 不予许可, 不予受理) invites its applicant to evaluate it. At least
once: ``services.invite`` sends one invitation per case however often it is called."""

from __future__ import annotations

from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="evaluations.invite")
def case_concluded(transitioned: CaseTransitioned) -> None:
    from govhall.evaluations.services import INVITING_ACTIONS, invite

    if transitioned.action in INVITING_ACTIONS:
        invite(transitioned.case_id, transitioned.event_id)
