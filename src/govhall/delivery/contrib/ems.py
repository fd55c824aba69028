"""邮寄送达 by 中国邮政EMS: ``ems``, where the clerk writes the label and types its waybill
number, and ``ems_http``, where an HTTP/JSON endpoint (EMS's 大客户 interface, or a small
bridge in front of it) makes the waybill and answers its tracking."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from govhall.catalog.models import DeliveryMode
from govhall.core.errors import DomainError
from govhall.core.httpjson import HttpJsonClient, ServiceError, check_url, post_json
from govhall.core.masking import mask_text
from govhall.core.registry import url_problems
from govhall.delivery.base import (
    DeliveryProvider,
    Receipt,
    Shipment,
    TrackingEvent,
    address_clean,
    tracking_number_clean,
)
from govhall.delivery.registry import registry

logger = logging.getLogger("govhall.delivery")

HANDWRITTEN = "手写面单"  # Receipt.note of a waybill the clerk wrote, not the endpoint


@registry.register("ems")
class EmsProvider(DeliveryProvider):
    """The clerk writes the EMS label by hand (or in EMS's own software) and types its
    waybill number; the postal address is the one the clerk types or the case already has.
    No outside system is asked, so there is nothing to cancel and no tracking here."""

    verbose_name = "中国邮政EMS（手工录入单号）"
    mode = DeliveryMode.MAIL.value
    requires_address = True

    def hand_over(self, shipment: Shipment) -> Receipt:
        number = tracking_number_clean(shipment.tracking_number)
        address_clean(shipment.address)
        return Receipt(provider=self.identifier, mode=self.mode, tracking_number=number)


@registry.register("ems_http")
class EmsHttpProvider(HttpJsonClient, DeliveryProvider):
    """EMS through an HTTP/JSON endpoint. Every request carries ``X-Api-Key:
    GOVHALL_EMS_KEY``; 2xx answers are JSON objects, and one with a true ``error`` is a
    refusal.

    * Waybill: ``POST GOVHALL_EMS_URL`` ``{"case_number", "item_name", "recipient",
      "phone", "address"}`` answers ``{"waybill_no": "…"}``. When the clerk typed a number
      (the label was written by hand, e.g. while the endpoint is down), that number is
      taken and the endpoint is not asked.
    * Cancel: ``POST GOVHALL_EMS_CANCEL_URL`` ``{"waybill_no"}``; without that URL a
      waybill to undo is only logged.
    * Tracking: ``POST GOVHALL_EMS_TRACK_URL`` ``{"waybill_no"}`` answers ``{"events":
      [{"time": ISO 8601 (China time when it has no offset), "status", "place"}]}``;
      without that URL there is no tracking.
    """

    verbose_name = "中国邮政EMS（接口下单）"
    mode = DeliveryMode.MAIL.value
    requires_address = True
    setting = "GOVHALL_EMS"
    agent = "govhall-ems/1"
    service = "EMS接口"

    def __init__(self, *, track_url: str | None = None, cancel_url: str | None = None, **client):
        super().__init__(**client)
        self.track_url = settings.GOVHALL_EMS_TRACK_URL if track_url is None else track_url
        self.cancel_url = settings.GOVHALL_EMS_CANCEL_URL if cancel_url is None else cancel_url
        for url, name in ((self.track_url, "GOVHALL_EMS_TRACK_URL"), (self.cancel_url, "GOVHALL_EMS_CANCEL_URL")):
            if url:
                check_url(url, name)

    @classmethod
    def check_config(cls) -> list[str]:
        return url_problems("GOVHALL_EMS_URL", optional=("GOVHALL_EMS_TRACK_URL", "GOVHALL_EMS_CANCEL_URL"))

    def hand_over(self, shipment: Shipment) -> Receipt:
        if shipment.tracking_number.strip():
            number = tracking_number_clean(shipment.tracking_number)
            address_clean(shipment.address)
            return Receipt(provider=self.identifier, mode=self.mode, tracking_number=number, note=HANDWRITTEN)
        address = address_clean(shipment.address)
        answer = self._ask(
            self.url,
            {
                "case_number": shipment.case_number,
                "item_name": shipment.item_name,
                "recipient": shipment.recipient,
                "phone": shipment.phone,
                "address": address,
            },
            "EMS下单",
        )
        number = str(answer.get("waybill_no") or "").strip()
        try:
            number = tracking_number_clean(number)
        except DomainError:
            logger.warning("EMS waybill for case %s: the answer has no usable waybill_no", shipment.case_number)
            raise self._unavailable("EMS下单") from None
        return Receipt(provider=self.identifier, mode=self.mode, tracking_number=number)

    def cancel(self, receipt: Receipt) -> None:
        if receipt.note == HANDWRITTEN or not receipt.tracking_number:
            return
        if not self.cancel_url:
            logger.warning(
                "EMS waybill %s was not used and not cancelled (no GOVHALL_EMS_CANCEL_URL)", receipt.tracking_number
            )
            return
        self._ask(self.cancel_url, {"waybill_no": receipt.tracking_number}, "EMS撤单")

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        if not self.track_url:
            return []
        answer = self._ask(self.track_url, {"waybill_no": tracking_number}, "EMS查询")
        try:
            events = [_event(raw) for raw in answer.get("events") or []]
        except (TypeError, ValueError, AttributeError) as exc:
            logger.warning("EMS tracking of %s: malformed answer (%s)", tracking_number, exc)
            raise self._unavailable("EMS查询") from None
        return sorted(events, key=lambda event: event.at)

    def _ask(self, url: str, body: dict, what: str) -> dict:
        try:
            answer = post_json(url, body, key=self.key, timeout=self.timeout, agent=self.agent, name=self.service)
        except ServiceError as exc:
            logger.warning("%s failed: %s", what, exc)  # masked by ServiceError
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
            f"{what}暂时不可用，请稍后再试，或手写面单后填写邮件单号",
            code="delivery_unavailable",
            status=503,
            detail={"provider": self.identifier},
        )


def _event(raw: dict) -> TrackingEvent:
    at = datetime.fromisoformat(str(raw["time"]))
    if timezone.is_naive(at):
        at = timezone.make_aware(at)  # the carrier's clock is China time (settings.TIME_ZONE)
    return TrackingEvent(at=at, status=str(raw.get("status") or "").strip(), place=str(raw.get("place") or "").strip())
