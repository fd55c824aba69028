"""Counting events per key in the cache, for rate limits and locks (the login lock, the
public progress query). The counts are shared by all server processes when the cache is
(``GOVHALL_CACHE=db``)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def key_for(kind: str, value: str) -> str:
    """A cache key for a user-supplied value: hashed, so any text makes a valid key and
    the cache holds no usernames or case numbers."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def hit(key: str, window_seconds: int) -> int:
    """Count one event under ``key`` and return the count in the current window, which
    starts at the window's first event and lasts ``window_seconds``."""
    cache.add(key, 0, window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr: this event opens the next
        cache.add(key, 1, window_seconds)
        return 1


def counts(*keys: str) -> list[int]:
    """The current counts of ``keys`` (0 where nothing was counted)."""
    found = cache.get_many(keys)
    return [found.get(key, 0) for key in keys]
