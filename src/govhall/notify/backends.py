"""SMS gateway adapters (plugins): a small base class, a local outbox, a generic HTTP gateway.

``settings.GOVHALL_SMS_BACKEND`` names the adapter by dotted path. A deployment whose
gateway speaks another protocol (signed Aliyun/Tencent requests, an operator's SOAP
service…) subclasses :class:`BaseSmsBackend` in its own module and points the setting
at it; nothing else changes.
"""

from __future__ import annotations

import abc
import json
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from govhall.core.masking import mask_phone, mask_text

logger = logging.getLogger("govhall.notify")


class SmsError(Exception):
    """The gateway did not accept the message. The text is recorded on the notification,
    so it must not carry the full phone number (adapters pass gateway text through
    ``mask_text``)."""


class BaseSmsBackend(abc.ABC):
    """Sends one SMS. Called from the ``deliver_sms`` task, never inside a request's
    transaction. A gateway adapter subclasses this and implements ``send``."""

    @abc.abstractmethod
    def send(self, phone: str, text: str) -> str:
        """Send ``text`` to ``phone``; return the gateway's reference for the message.

        Raise :class:`SmsError` when the gateway refuses or cannot be reached.
        """


class OutboxBackend(BaseSmsBackend):
    """The local adapter (development, demos, sites without a gateway): accepts every
    message and sends nothing. The message stays visible in the admin's 通知 list."""

    def send(self, phone: str, text: str) -> str:
        reference = f"outbox-{uuid.uuid4().hex[:16]}"
        logger.debug("SMS to %s kept in the outbox as %s", mask_phone(phone), reference)
        return reference


class HttpJsonSmsBackend(BaseSmsBackend):
    """A generic HTTP gateway (or a bridge in front of a provider's SDK).

    Request: ``POST GOVHALL_SMS_URL`` with ``Content-Type: application/json``,
    ``X-Api-Key: GOVHALL_SMS_KEY`` and the body ``{"phone", "text", "sign"}``
    (``sign`` = ``GOVHALL_SMS_SIGN``, the registered signature such as 【某市政务服务】).

    Answer: any 2xx status with a JSON object is success; its ``reference``, ``id`` or
    ``message_id`` (the first present) is the gateway reference. A non-2xx status, a
    body that is not a JSON object, or an object with a true ``error`` is a failure.
    """

    timeout = 10.0  # seconds for connect and for each read

    def __init__(
        self,
        *,
        url: str | None = None,
        key: str | None = None,
        sign: str | None = None,
        timeout: float | None = None,
    ):
        self.url = settings.GOVHALL_SMS_URL if url is None else url
        self.key = settings.GOVHALL_SMS_KEY if key is None else key
        self.sign = settings.GOVHALL_SMS_SIGN if sign is None else sign
        if timeout is not None:
            self.timeout = timeout
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("GOVHALL_SMS_URL must be an http:// or https:// URL for HttpJsonSmsBackend")

    def send(self, phone: str, text: str) -> str:
        body = json.dumps({"phone": phone, "text": text, "sign": self.sign}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "X-Api-Key": self.key,
                "User-Agent": "govhall-sms/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
            raise SmsError(mask_text(f"网关返回 HTTP {exc.code}: {detail}".strip())) from None
        except TimeoutError:
            raise SmsError(f"网关在 {self.timeout:g} 秒内没有应答") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise SmsError(f"网关在 {self.timeout:g} 秒内没有应答") from None
            raise SmsError(mask_text(f"无法连接网关: {exc.reason}")) from None
        except OSError as exc:  # connection reset mid-answer and the like
            raise SmsError(mask_text(f"网关连接中断: {exc}")) from None
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise SmsError(mask_text("网关应答不是 JSON: " + raw[:200].decode("utf-8", "replace"))) from None
        if not isinstance(answer, dict):
            raise SmsError("网关应答不是 JSON 对象")
        if answer.get("error"):
            raise SmsError(mask_text(f"网关拒绝: {answer['error']}"))
        for name in ("reference", "id", "message_id"):
            if answer.get(name) not in (None, ""):
                return str(answer[name])[:100]
        return ""


def get_backend() -> BaseSmsBackend:
    """A new instance of the adapter named by ``settings.GOVHALL_SMS_BACKEND``."""
    path = settings.GOVHALL_SMS_BACKEND
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"GOVHALL_SMS_BACKEND: cannot import {path!r}: {exc}") from exc
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseSmsBackend)):
        raise ImproperlyConfigured(f"GOVHALL_SMS_BACKEND: {path!r} is not a BaseSmsBackend subclass")
    return backend_class()
