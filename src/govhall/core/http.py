"""Who is asking, for rate limits and the login lock."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: the connecting one, or with ``GOVHALL_PROXIES`` = n trusted
    proxies in front, the entry n from the right of X-Forwarded-For (what the nearest
    proxy saw; entries further left are the client's own word). The same rule as
    django-ninja's throttles (``NINJA_NUM_PROXIES``)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NINJA_NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies == 0 or not forwarded:
        return remote
    entries = [e.strip() for e in forwarded.split(",")]
    return entries[-min(proxies, len(entries))]
