"""A stage reacts to its member cases (``core.events``, after the case's commit, at least
once): ``services.stage_evaluate`` writes the stage result once every member is decided."""

from __future__ import annotations

from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="construction.member_moved")
def member_moved(transitioned: CaseTransitioned) -> None:
    from govhall.construction import services

    stage_id = services.stage_for_case(transitioned.case_id)
    if stage_id is not None:
        services.stage_evaluate(stage_id=stage_id)
