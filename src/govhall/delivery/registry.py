"""The ``delivery`` registry: every delivery channel, enabled by
``settings.GOVHALL_DELIVERY_PROVIDERS`` (several at once, in that order).

Another app adds a channel from its own ``providers`` module (or ``AppConfig.ready``)::

    from govhall.delivery.base import DeliveryProvider, Receipt
    from govhall.delivery.registry import registry

    @registry.register("city_lockers")
    class CityLockers(DeliveryProvider):
        verbose_name = "城市智能信包箱"
        mode = "locker"
        ...
"""

from __future__ import annotations

from govhall.catalog.models import DeliveryMode
from govhall.core.registry import Registry
from govhall.delivery.base import DeliveryProvider


class DeliveryRegistry(Registry[DeliveryProvider]):
    def check_provider(self, cls: type[DeliveryProvider]) -> None:
        mode = getattr(cls, "mode", None)
        if mode not in DeliveryMode.values:
            raise ValueError(f"delivery provider {cls.__qualname__}: mode must be one of {DeliveryMode.values}")


registry = DeliveryRegistry(
    "delivery",
    base=DeliveryProvider,
    setting="GOVHALL_DELIVERY_PROVIDERS",
    multiple=True,
    verbose_name="送达渠道",
)
