"""Supervision listens to the cases (``core.events``, after the case's commit): a case that
reaches a queue gets its intake alert (收件提醒) and the queue's staff a notice. At least
once: ``services.intake_record`` records each alert once."""

from __future__ import annotations

from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="supervision.intake")
def case_moved(transitioned: CaseTransitioned) -> None:
    from govhall.supervision.services import INTAKE, intake_record

    if transitioned.action in INTAKE:
        intake_record(case_id=transitioned.case_id, action=transitioned.action)
