"""自助信包箱: the centre's own cabinets as a delivery channel (mode ``locker``).

The channel delivers nothing by itself: the applicant's pick-up code opening the door
delivers the case (``services.code_open`` takes the system ``deliver`` transition, which calls
:meth:`OwnLockers.hand_over`). A clerk who tries to deliver a locker case by hand is refused:
there is no picked-up parcel for it."""

from __future__ import annotations

from django.utils import timezone

from govhall.catalog.models import DeliveryMode
from govhall.core.errors import Conflict
from govhall.delivery.base import DeliveryProvider, Receipt, Shipment
from govhall.delivery.registry import registry

NOT_PICKED_UP = (
    "自助信包箱送达在申请人凭取件码开箱取件时自动完成，不能手工送达：请先在信包箱页面把结果存入信包箱，"
    "或改为窗口领取、邮寄送达"
)


def picked_up_receipt(provider: DeliveryProvider, shipment: Shipment) -> Receipt:
    """The receipt of the parcel whose pick-up delivers ``shipment``'s case through
    ``provider``; Conflict ``locker_not_picked_up`` when there is none."""
    from govhall.lockers.selectors import picked_up_parcel

    parcel = picked_up_parcel(shipment.case_number, provider.identifier)
    if parcel is None:
        raise Conflict(NOT_PICKED_UP, code="locker_not_picked_up", detail={"provider": provider.identifier})
    when = f"{timezone.localtime(parcel.ended_at):%Y-%m-%d %H:%M}" if parcel.ended_at else ""
    return Receipt(
        provider=provider.identifier,
        mode=provider.mode,
        tracking_number=parcel.reference,
        note=f"{parcel.place}，{when}凭取件码自助取件",
    )


@registry.register("locker")
class OwnLockers(DeliveryProvider):
    verbose_name = "24小时自助信包箱"
    mode = DeliveryMode.LOCKER.value

    def hand_over(self, shipment: Shipment) -> Receipt:
        return picked_up_receipt(self, shipment)
