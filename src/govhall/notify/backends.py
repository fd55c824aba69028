"""SMS gateway adapters: a small base class, a local outbox, a generic HTTP gateway, in
the ``sms`` provider registry (``core/registry.py``).

``settings.GOVHALL_SMS_BACKEND`` enables one: ``outbox`` (the default) or ``http``, or the
dotted path of an adapter. A deployment whose gateway speaks another protocol (signed
Aliyun/Tencent requests, an operator's SOAP service…) subclasses :class:`BaseSmsBackend`
in its own module and points the setting at it (or registers it, see
``docs/providers.md``); nothing else changes.
"""

from __future__ import annotations

import abc
import logging
import sys
import uuid

from django.conf import settings

from govhall.core.httpjson import HttpJsonClient, ServiceError
from govhall.core.masking import mask_phone, mask_text
from govhall.core.registry import LocalWarning, Provider, Registry, url_problems

logger = logging.getLogger("govhall.notify")


class SmsError(Exception):
    """The gateway did not accept the message. The text is recorded on the notification,
    so it must not carry the full phone number (adapters pass gateway text through
    ``mask_text``)."""


class BaseSmsBackend(Provider, abc.ABC):
    """Sends one SMS. Called from the ``deliver_sms`` task, never inside a request's
    transaction. A gateway adapter subclasses this and implements ``send``."""

    verbose_name = "短信网关"

    @abc.abstractmethod
    def send(self, phone: str, text: str) -> str:
        """Send ``text`` to ``phone``; return the gateway's reference for the message.

        Raise :class:`SmsError` when the gateway refuses or cannot be reached. ``text`` may
        hold a one-time code (it is stored only masked): never log or keep it.
        """


registry: Registry[BaseSmsBackend] = Registry(
    "sms", base=BaseSmsBackend, setting="GOVHALL_SMS_BACKEND", verbose_name="短信网关"
)


@registry.register("outbox")
class OutboxBackend(BaseSmsBackend):
    """The local adapter (development, demos, sites without a gateway): accepts every
    message and sends nothing. The message stays visible in the admin's 通知 list, with
    any one-time code masked. With DEBUG on, the message as the phone would get it goes to
    the server's console too (as Django's console e-mail backend does), so a developer can
    try registration and password reset; never with DEBUG off."""

    verbose_name = "短信发件箱（不发送）"
    is_local = True
    local_warning = LocalWarning(
        "govhall.W004",
        "No SMS is sent: applicants get no case notices by SMS, and registration and password-reset codes never "
        "arrive.",
        "Point GOVHALL_SMS_BACKEND at HttpJsonSmsBackend (GOVHALL_SMS_URL/KEY/SIGN) or your own adapter.",
    )

    def send(self, phone: str, text: str) -> str:
        reference = f"outbox-{uuid.uuid4().hex[:16]}"
        if settings.DEBUG:
            print(f"[开发环境短信 {reference}] {mask_phone(phone)}：{text}", file=sys.stderr, flush=True)
        logger.debug("SMS to %s kept in the outbox as %s", mask_phone(phone), reference)
        return reference


@registry.register("http")
class HttpJsonSmsBackend(HttpJsonClient, BaseSmsBackend):
    """A generic HTTP gateway (or a bridge in front of a provider's SDK).

    Request: ``POST GOVHALL_SMS_URL`` with ``Content-Type: application/json``,
    ``X-Api-Key: GOVHALL_SMS_KEY`` and the body ``{"phone", "text", "sign"}``
    (``sign`` = ``GOVHALL_SMS_SIGN``, the registered signature such as 【某市政务服务】).

    Answer: any 2xx status with a JSON object is success; its ``reference``, ``id`` or
    ``message_id`` (the first present) is the gateway reference. A non-2xx status, a
    body that is not a JSON object, or an object with a true ``error`` is a failure.
    """

    verbose_name = "HTTP 短信网关"
    setting = "GOVHALL_SMS"
    agent = "govhall-sms/1"
    service = "网关"

    @classmethod
    def check_config(cls) -> list[str]:
        return url_problems("GOVHALL_SMS_URL")

    def __init__(self, *, sign: str | None = None, **client):
        super().__init__(**client)
        self.sign = settings.GOVHALL_SMS_SIGN if sign is None else sign

    def send(self, phone: str, text: str) -> str:
        try:
            answer = self.post({"phone": phone, "text": text, "sign": self.sign})
        except ServiceError as exc:
            raise SmsError(str(exc)) from None
        if answer.get("error"):
            raise SmsError(mask_text(f"网关拒绝: {answer['error']}"))
        for name in ("reference", "id", "message_id"):
            if answer.get(name) not in (None, ""):
                return str(answer[name])[:100]
        return ""


def get_backend() -> BaseSmsBackend:
    """A new instance of the adapter ``settings.GOVHALL_SMS_BACKEND`` enables."""
    return registry.configured()
