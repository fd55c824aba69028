"""Supervision listens to the cases (``core.events``, after the case's commit): a case that
reaches a queue gets its intake alert (收件提醒) and the queue's staff a notice, and its
warnings that no longer stand are resolved. At least once: ``services.intake_record``
records each alert once; resolving twice changes nothing."""

from __future__ import annotations

from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="supervision.intake")
def case_moved(transitioned: CaseTransitioned) -> None:
    from govhall.supervision.services import INTAKE, case_alerts_resolve, intake_record

    if transitioned.action in INTAKE:
        intake_record(case_id=transitioned.case_id, action=transitioned.action)
    case_alerts_resolve(case_id=transitioned.case_id)
