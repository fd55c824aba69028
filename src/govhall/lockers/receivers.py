"""The lockers react to cases (``core.events``, after the case's commit): a case that
closes frees a cell reserved for its papers; a result revoked, or delivered another way,
while it waits in a locker can no longer be picked up with its code. At least once: the
work is idempotent (``services.case_moved``)."""

from __future__ import annotations

from govhall.cases.events import CaseTransitioned
from govhall.core import events


@events.subscribe(CaseTransitioned, name="lockers.case_moved")
def case_moved(transitioned: CaseTransitioned) -> None:
    if transitioned.action not in ("withdraw", "reject", "revoke", "deny", "approve", "deliver", "verify_commitment"):
        return
    from govhall.cases.models import TimelineEvent  # read only: the deliver event names its channel
    from govhall.lockers.services import case_moved as moved

    data = {}
    if transitioned.action == "deliver":
        data = TimelineEvent.objects.filter(pk=transitioned.event_id).values_list("data", flat=True).first() or {}
    moved(
        case_id=transitioned.case_id,
        action=transitioned.action,
        to_state=transitioned.to_state,
        provider=str(data.get("provider") or ""),
    )
