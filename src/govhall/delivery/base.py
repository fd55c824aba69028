"""What a delivery channel (送达渠道) is: the base class every provider of the ``delivery``
registry subclasses, and the values handed to it and back.

A provider serves one delivery mode of the catalogue (``catalog.models.DeliveryMode``:
window, mail, locker, electronic); several may serve one mode at once (EMS with
hand-written labels and EMS through its API, two locker networks). The cases app picks
one (``services.provider_for``) and calls :meth:`DeliveryProvider.hand_over` from its
``deliver`` action with a :class:`Shipment`, by value: no ORM objects cross into a
provider, which may be another app's or a deployment's.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from govhall.core.errors import DomainError
from govhall.core.registry import Provider

TRACKING_NUMBER_MAX = 40  # cases.Case.tracking_number
ADDRESS_MAX = 300  # cases.Case.delivery_address
_TRACKING_NUMBER = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Shipment:
    """What is handed over."""

    case_number: str
    item_name: str
    recipient: str  # the applicant's name
    phone: str
    address: str = ""  # postal address for mail (the case's known address when the clerk typed none)
    tracking_number: str = ""  # typed by the clerk when the label was written by hand


@dataclass(frozen=True)
class Receipt:
    """What the provider did: the case records its mode and tracking number."""

    provider: str  # the provider's identifier
    mode: str  # a DeliveryMode value
    tracking_number: str = ""
    note: str = ""


@dataclass(frozen=True)
class TrackingEvent:
    """One event of a carrier's tracking (已揽收, 运输中, 已签收…)."""

    at: datetime  # aware
    status: str
    place: str = ""


class DeliveryProvider(Provider, abc.ABC):
    """A delivery channel. Subclass it, set ``verbose_name`` (Chinese), ``mode`` and
    ``requires_address``, implement :meth:`hand_over`, and register the class in
    ``govhall.delivery.registry.registry``. Providers are made with no arguments, once per
    use; one that reaches an outside system reads its settings in ``__init__`` and says
    what is missing in ``check_config``."""

    mode: ClassVar[str]  # the DeliveryMode value this provider serves
    requires_address: ClassVar[bool] = False  # the clerk must give a postal address

    @abc.abstractmethod
    def hand_over(self, shipment: Shipment) -> Receipt:
        """Hand the result over (or record that it was). May call an outside system.
        Raises :class:`~govhall.core.errors.DomainError` with a Chinese message, a stable
        code and ``detail={"field": ...}`` when the shipment lacks something or has it
        wrong, with code ``delivery_unavailable`` (status 503) when the outside system
        cannot be reached and ``delivery_refused`` (409) when it refuses."""

    def cancel(self, receipt: Receipt) -> None:
        """Undo a :meth:`hand_over` whose case change then failed. Nothing to undo for a
        channel that reaches no outside system (the default). Raises DomainError
        ``delivery_unavailable`` when the outside system cannot be told."""

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        """The carrier's events for ``tracking_number``, oldest first; ``[]`` where the
        channel has none (the default)."""
        return []


def tracking_number_clean(value: str) -> str:
    """A waybill number as typed by a clerk: trimmed, required, at most 40 letters and
    digits (DomainError with ``detail={"field": "tracking_number"}`` otherwise)."""
    number = (value or "").strip()
    if not number:
        raise DomainError("请填写邮件单号", code="missing_field", detail={"field": "tracking_number"})
    if len(number) > TRACKING_NUMBER_MAX:
        raise DomainError(
            f"邮件单号不能超过{TRACKING_NUMBER_MAX}个字符",
            code="invalid_tracking_number",
            detail={"field": "tracking_number"},
        )
    if not _TRACKING_NUMBER.fullmatch(number):
        raise DomainError(
            "邮件单号只能由字母和数字组成", code="invalid_tracking_number", detail={"field": "tracking_number"}
        )
    return number


def address_clean(value: str) -> str:
    """A postal address: trimmed, required, at most 300 characters."""
    address = (value or "").strip()
    if not address:
        raise DomainError("请填写邮寄地址", code="missing_field", detail={"field": "address"})
    if len(address) > ADDRESS_MAX:
        raise DomainError(f"邮寄地址不能超过{ADDRESS_MAX}个字", code="invalid_address", detail={"field": "address"})
    return address
