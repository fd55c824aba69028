"""What a bundle refuses on its member cases (cases.actions.veto, decision 0010): a held
result is delivered with the others at unified issuance, never alone from the member's
page. The bundle's own 统一送达 releases the hold in the same transaction before it delivers."""

from __future__ import annotations

from govhall.bundles.models import BundleCaseMember
from govhall.cases import actions
from govhall.core.errors import Conflict


@actions.veto("deliver")
def held_for_unified_issuance(case, roles):
    number = BundleCaseMember.objects.filter(case=case, held=True).values_list("bundle_case__number", flat=True).first()
    if number is None:
        return None
    return Conflict(
        f"本办件属于一件事（{number}），结果在全部事项办结后统一送达，请在一件事办件中送达",
        code="held_for_bundle",
        detail={"bundle_case": number},
    )
