"""Signed requests from cabinets and locker networks (the cabinet API and the network's
callbacks), as django-ninja auth classes.

A request carries::

    X-Locker-Cabinet: <cabinet code>        (or X-Locker-Network: <delivery provider id>)
    X-Locker-Timestamp: <Unix seconds>
    X-Locker-Nonce: <16–64 of A–Z a–z 0–9 _ ->
    X-Locker-Signature: hex HMAC-SHA256(secret, METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n hex SHA-256(body))

The timestamp must be within ±5 minutes of the server's clock (``stale_timestamp``); a nonce
seen within the last 10 minutes for the same sender is a replay (``replayed_request``),
counted in ``core.limits`` (atomic, shared by every server process) only after the signature
checked, so nobody can burn a cabinet's nonces. An unknown cabinet and a wrong signature get
one answer (``signature_invalid``) after the same work. All are 401 ``{code, message, detail}``.
"""

from __future__ import annotations

import re
import time

from ninja.security import APIKeyHeader

from govhall.core import limits
from govhall.core.errors import DomainError
from govhall.lockers import codes, selectors

SKEW_SECONDS = 300
NONCE_SECONDS = 2 * SKEW_SECONDS  # a timestamp is good for 10 minutes in all: so is a nonce's memory
_NONCE = re.compile(r"[A-Za-z0-9_\-]{16,64}")
_DUMMY_SECRET = "0" * 64


class Unauthenticated(DomainError):
    status = 401
    code = "signature_invalid"


def _headers(request) -> tuple[str, str, str]:
    timestamp = request.headers.get("X-Locker-Timestamp", "")
    nonce = request.headers.get("X-Locker-Nonce", "")
    signature = request.headers.get("X-Locker-Signature", "")
    if not (timestamp and nonce and signature):
        raise Unauthenticated(
            "请求缺少签名（X-Locker-Timestamp、X-Locker-Nonce、X-Locker-Signature）", code="signature_missing"
        )
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        skew = SKEW_SECONDS + 1
    if skew > SKEW_SECONDS:
        raise Unauthenticated("请求时间戳与服务器时间相差超过5分钟", code="stale_timestamp")
    if not _NONCE.fullmatch(nonce):
        raise Unauthenticated("签名校验失败", code="signature_invalid")
    return timestamp, nonce, signature


def verify(request, *, sender: str, secret: str | None) -> None:
    """Check the signature of ``request`` from ``sender`` (whose secret is ``secret``; None:
    unknown sender, refused after the same work) and remember its nonce."""
    timestamp, nonce, signature = _headers(request)
    ok = codes.signature_matches(
        secret or _DUMMY_SECRET, signature, request.method, request.path, timestamp, nonce, request.body
    )
    if not ok or secret is None:
        raise Unauthenticated("签名校验失败", code="signature_invalid")
    if limits.hit(limits.key_for("lockers.nonce", sender, nonce), NONCE_SECONDS) > 1:
        raise Unauthenticated("重复的请求（nonce 已使用）", code="replayed_request")


class CabinetAuth(APIKeyHeader):
    """A cabinet's signed request; ``request.auth`` is the Cabinet."""

    param_name = "X-Locker-Signature"
    openapi_description = (
        "柜机签名：X-Locker-Cabinet、X-Locker-Timestamp、X-Locker-Nonce 与 X-Locker-Signature"
        "（HMAC-SHA256，见 docs/lockers.md）"
    )

    def authenticate(self, request, key):
        from govhall.lockers.services import cabinet_seen

        code = request.headers.get("X-Locker-Cabinet", "")
        cabinet = selectors.cabinet_by_code(code) if code else None
        secret = codes.cabinet_secret(cabinet.code, cabinet.secret_salt) if cabinet is not None else None
        verify(request, sender=f"cabinet:{code}", secret=secret)
        cabinet_seen(cabinet)
        return cabinet


class NetworkAuth(APIKeyHeader):
    """A locker network's signed callback; ``request.auth`` is the network provider."""

    param_name = "X-Locker-Signature"
    openapi_description = "信包箱网络回调签名：X-Locker-Network 及同样的签名头（见 docs/lockers.md）"

    def authenticate(self, request, key):
        from django.core.exceptions import ImproperlyConfigured

        from govhall.catalog.models import DeliveryMode
        from govhall.core.registry import ProviderUnavailable
        from govhall.delivery.registry import registry
        from govhall.lockers.contrib.network import LockerNetwork

        identifier = request.headers.get("X-Locker-Network", "")
        provider = None
        try:
            provider = registry.get(identifier) if identifier else None
        except (ProviderUnavailable, ImproperlyConfigured):  # not enabled, or enabled without its URL
            provider = None
        if not isinstance(provider, LockerNetwork) or provider.mode != DeliveryMode.LOCKER:
            provider = None
        secret = (provider.callback_key() or None) if provider is not None else None
        verify(request, sender=f"network:{identifier}", secret=secret)
        return provider
