"""Choosing a delivery channel: the one face of the delivery app that other apps call.

The cases app's ``deliver`` action asks :func:`provider_for` for the channel of the mode
the clerk chose (and the provider the clerk picked, when several serve that mode), then
hands the result over with ``provider.hand_over(Shipment(...))`` (see :func:`handed_over`
for undoing it when the case change fails). Pages offer :func:`modes_available` of an
item's delivery modes and, per mode, :func:`providers_for`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from govhall.catalog.models import DeliveryMode
from govhall.core.errors import Conflict, DomainError
from govhall.core.registry import ProviderUnavailable
from govhall.delivery.base import DeliveryProvider, Receipt, Shipment
from govhall.delivery.registry import registry

logger = logging.getLogger("govhall.delivery")

LOCKER_UNAVAILABLE = "自助信包箱投递尚未开通，请选择窗口领取或邮寄"


def providers_for(mode: str) -> list[DeliveryProvider]:
    """The enabled providers of ``mode`` (new instances), in the order
    ``GOVHALL_DELIVERY_PROVIDERS`` lists them."""
    return registry.instances(lambda cls: cls.mode == mode)


def provider_for(mode: str, identifier: str | None = None) -> DeliveryProvider:
    """The provider that delivers in ``mode``: the one named by ``identifier``, or else the
    only one enabled for the mode.

    Raises DomainError ``invalid_delivery_mode`` for a mode that is not a DeliveryMode;
    Conflict ``delivery_unavailable`` when the named provider is not enabled or serves
    another mode, or none serves the mode (``locker_unavailable`` for the locker mode);
    DomainError ``provider_ambiguous`` (``detail={"field": "provider", "choices": [...]}``)
    when several serve the mode and none is named."""
    if mode not in DeliveryMode.values:
        raise DomainError("送达方式不正确", code="invalid_delivery_mode", detail={"allowed": DeliveryMode.values})
    label = DeliveryMode(mode).label
    if identifier:
        try:
            provider = registry.get(identifier)
        except ProviderUnavailable:
            raise Conflict(
                f"送达渠道“{identifier}”未开通",
                code="delivery_unavailable",
                detail={"field": "provider", "mode": mode, "provider": identifier},
            ) from None
        if provider.mode != mode:
            raise Conflict(
                f"{provider.verbose_name}不能用于{label}",
                code="delivery_unavailable",
                detail={"field": "provider", "mode": mode, "provider": identifier},
            )
        return provider
    found = providers_for(mode)
    if not found:
        if mode == DeliveryMode.LOCKER:
            raise Conflict(LOCKER_UNAVAILABLE, code="locker_unavailable", detail={"mode": mode})
        raise Conflict(f"{label}尚未开通，请选择其他送达方式", code="delivery_unavailable", detail={"mode": mode})
    if len(found) > 1:
        raise DomainError(
            f"{label}有多个渠道，请选择：" + "、".join(p.verbose_name for p in found),
            code="provider_ambiguous",
            detail={"field": "provider", "mode": mode, "choices": [p.identifier for p in found]},
        )
    return found[0]


def modes_available(modes: list[str]) -> list[str]:
    """Of an item's delivery modes, those an enabled provider serves (in the item's order)."""
    served = {cls.mode for cls in registry.enabled()}
    return [mode for mode in modes if mode in served]


@contextmanager
def handed_over(provider: DeliveryProvider, shipment: Shipment) -> Iterator[Receipt]:
    """Hand over, and cancel the hand-over when the block raises (the case change that
    records it failed)::

        with handed_over(provider, shipment) as receipt:
            ...record receipt on the case...

    A failing cancel is logged, not raised: the caller's own error is the one that
    matters, and the waybill left open is in the log."""
    receipt = provider.hand_over(shipment)
    try:
        yield receipt
    except BaseException:
        try:
            provider.cancel(receipt)
        except Exception:
            logger.exception(
                "case %s: %s hand-over %s could not be cancelled",
                shipment.case_number,
                receipt.provider,
                receipt.tracking_number or "-",
            )
        raise
