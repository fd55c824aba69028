"""电子送达: the result reaches the applicant electronically (the e-licence in the licence
library, the decision on the case page)."""

from __future__ import annotations

from govhall.catalog.models import DeliveryMode
from govhall.delivery.base import DeliveryProvider, Receipt, Shipment
from govhall.delivery.registry import registry


@registry.register("electronic")
class ElectronicProvider(DeliveryProvider):
    """Nothing to send: the result is already where the applicant signs in."""

    verbose_name = "电子送达"
    mode = DeliveryMode.ELECTRONIC.value

    def hand_over(self, shipment: Shipment) -> Receipt:
        return Receipt(provider=self.identifier, mode=self.mode)
