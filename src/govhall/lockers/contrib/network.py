"""Third-party locker networks (全城通港-like: a city's parcel lockers, used as drop-off and
pick-up points for the hall): a delivery channel of mode ``locker`` that books a parcel with
the network and learns from its signed callbacks when the papers went in or the result came
out (``POST /api/v1/lockers/network/events``; docs/lockers.md has the contract).

* ``locker_network``: the network's HTTP/JSON endpoint (``GOVHALL_LOCKER_NETWORK_URL``,
  ``X-Api-Key: GOVHALL_LOCKER_NETWORK_KEY``), callbacks signed with
  ``GOVHALL_LOCKER_NETWORK_CALLBACK_KEY``.
* ``locker_network_local``: a stand-in that books locally (a parcel number and a code) and
  whose events are typed with ``manage.py lockers_network_event`` (the demo's network point).
"""

from __future__ import annotations

import abc
import datetime
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings

from govhall.catalog.models import DeliveryMode
from govhall.core.errors import DomainError
from govhall.core.httpjson import HttpJsonClient, ServiceError, post_json
from govhall.core.masking import mask_text
from govhall.core.registry import url_problems
from govhall.delivery.base import DeliveryProvider, Receipt, Shipment
from govhall.delivery.registry import registry
from govhall.lockers import codes
from govhall.lockers.contrib.own import picked_up_receipt

logger = logging.getLogger("govhall.lockers")

_REFERENCE = re.compile(r"[A-Za-z0-9]{1,40}")
_CODE = re.compile(r"\d{4,12}")


@dataclass(frozen=True)
class Booking:
    """What the network is asked to hold: a drop-off (the applicant brings papers to its
    point) or a pick-up (the hall's result, brought to its point by its courier)."""

    kind: str  # dropoff | pickup
    reference: str  # govhall's number for the parcel
    case_number: str
    point: str  # the network point's code (LockerSite.code)
    size: str  # S | M | L
    recipient: str
    phone: str
    expires_at: datetime.datetime


@dataclass(frozen=True)
class Booked:
    network_ref: str  # the network's parcel number (letters and digits, at most 40)
    code: str = ""  # the open code, when the network leaves sending it to govhall (by SMS)


class LockerNetwork(DeliveryProvider, abc.ABC):
    """A locker network. Delivers when the network reports the pick-up (its hand_over only
    confirms that it did)."""

    mode = DeliveryMode.LOCKER.value

    @abc.abstractmethod
    def book(self, booking: Booking) -> Booked:
        """Book a parcel. DomainError ``delivery_unavailable`` (503) when the network cannot be
        reached, ``delivery_refused`` (409) when it refuses (a full point, an unknown one)."""

    @abc.abstractmethod
    def cancel_booking(self, network_ref: str) -> None:
        """Give a booking up (a reservation cancelled, a result taken back)."""

    @abc.abstractmethod
    def callback_key(self) -> str:
        """The secret the network's event callbacks are signed with ("" : none accepted)."""

    def hand_over(self, shipment: Shipment) -> Receipt:
        return picked_up_receipt(self, shipment)


@registry.register("locker_network_local")
class LocalLockerNetwork(LockerNetwork):
    """Stands in for a network in development and the demo: a booking always succeeds with a
    fresh parcel number and code (sent by govhall's SMS); events come from
    ``manage.py lockers_network_event`` (signed with a key derived from the server's)."""

    verbose_name = "信包箱网络（本地模拟）"
    is_local = True

    def book(self, booking: Booking) -> Booked:
        return Booked(network_ref=f"QC{secrets.randbelow(10**12):012d}", code=codes.new_code())

    def cancel_booking(self, network_ref: str) -> None:
        logger.info("local locker network: booking %s given up", network_ref)

    def callback_key(self) -> str:
        return hmac.new(codes._subkey("network-local"), b"callbacks", hashlib.sha256).hexdigest()


@registry.register("locker_network")
class HttpLockerNetwork(HttpJsonClient, LockerNetwork):
    """A network's HTTP/JSON endpoint. Every request is a POST of a JSON object with
    ``X-Api-Key``; a 2xx answer is a JSON object, one with a true ``error`` a refusal.

    * book: ``{"action": "book", "kind", "reference", "case_number", "point", "size",
      "recipient", "phone", "expires_at"}`` → ``{"parcel_id": "…", "code": "…"?}`` (with a
      code, govhall sends it by SMS; without, the network sends its own);
    * cancel: ``{"action": "cancel", "parcel_id"}`` → ``{}``.
    """

    verbose_name = "第三方信包箱网络"
    setting = "GOVHALL_LOCKER_NETWORK"
    agent = "govhall-lockers/1"
    service = "信包箱网络"

    @classmethod
    def check_config(cls) -> list[str]:
        problems = url_problems("GOVHALL_LOCKER_NETWORK_URL")
        if not settings.GOVHALL_LOCKER_NETWORK_CALLBACK_KEY:
            problems.append("GOVHALL_LOCKER_NETWORK_CALLBACK_KEY is not set: the network's callbacks cannot be checked")
        return problems

    def book(self, booking: Booking) -> Booked:
        answer = self._ask(
            {
                "action": "book",
                "kind": booking.kind,
                "reference": booking.reference,
                "case_number": booking.case_number,
                "point": booking.point,
                "size": booking.size,
                "recipient": booking.recipient,
                "phone": booking.phone,
                "expires_at": booking.expires_at.isoformat(),
            },
            "信包箱网络预约",
        )
        reference = str(answer.get("parcel_id") or "").strip()
        code = str(answer.get("code") or "").strip()
        if not _REFERENCE.fullmatch(reference) or (code and not _CODE.fullmatch(code)):
            logger.warning(
                "locker network: booking for case %s answered without a usable parcel_id", booking.case_number
            )
            raise self._unavailable("信包箱网络预约")
        return Booked(network_ref=reference, code=code)

    def cancel_booking(self, network_ref: str) -> None:
        self._ask({"action": "cancel", "parcel_id": network_ref}, "信包箱网络取消")

    def callback_key(self) -> str:
        return settings.GOVHALL_LOCKER_NETWORK_CALLBACK_KEY

    def _ask(self, body: dict, what: str) -> dict:
        try:
            answer = post_json(self.url, body, key=self.key, timeout=self.timeout, agent=self.agent, name=self.service)
        except ServiceError as exc:
            logger.warning("%s failed: %s", what, exc)
            raise self._unavailable(what) from None
        if answer.get("error"):
            reason = mask_text(str(answer["error"]))[:200]
            logger.warning("%s refused: %s", what, reason)
            raise DomainError(
                f"{what}未成功：{reason}", code="delivery_refused", status=409, detail={"provider": self.identifier}
            )
        return answer

    def _unavailable(self, what: str) -> DomainError:
        return DomainError(
            f"{what}暂时不可用，请稍后再试或选择本中心的信包箱",
            code="delivery_unavailable",
            status=503,
            detail={"provider": self.identifier},
        )
