"""统一窗口出件: the applicant collects the result at the hall's window."""

from __future__ import annotations

from govhall.catalog.models import DeliveryMode
from govhall.delivery.base import DeliveryProvider, Receipt, Shipment
from govhall.delivery.registry import registry


@registry.register("window")
class WindowProvider(DeliveryProvider):
    """Nothing to send and nothing to ask: the clerk hands the result over in person (the
    cases app records which window)."""

    verbose_name = "统一窗口出件"
    mode = DeliveryMode.WINDOW.value

    def hand_over(self, shipment: Shipment) -> Receipt:
        return Receipt(provider=self.identifier, mode=self.mode)
