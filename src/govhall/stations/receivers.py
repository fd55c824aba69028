"""What this app does when a case moves: the assistant following it (a case filed for a
request, or in a key project) is told (``services.case_followup``, once per event)."""

from __future__ import annotations

from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="stations.case_followup")
def case_followup(event: CaseTransitioned) -> None:
    from govhall.stations.services import case_followup as follow

    follow(case_id=event.case_id, action=event.action, event_id=event.event_id)
