"""A clock the tests move instead of sleeping: the windows of ``core.limits`` and, with
GOVHALL_CACHE=db, the expiry of Django's database cache read it. A test module makes its
fixture with ``@pytest.fixture(name="clock")`` returning ``Clock(monkeypatch)``."""

from __future__ import annotations

import datetime as dt
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from govhall.core import limits


class Clock:
    def __init__(self, monkeypatch):
        self.now = time.time()
        # raising=False: the module had no clock before issue 13 (see docs/security.md)
        monkeypatch.setattr(limits, "clock", lambda: self.now, raising=False)
        now = lambda: dt.datetime.fromtimestamp(self.now, dt.UTC)  # noqa: E731
        monkeypatch.setattr("django.utils.timezone.now", now)
        monkeypatch.setattr("django.core.cache.backends.db.tz_now", now)  # imported by name there

        def expiry(cache, timeout=DEFAULT_TIMEOUT):  # BaseCache's, on this clock instead of time.time()
            if timeout == DEFAULT_TIMEOUT:
                timeout = cache.default_timeout
            elif timeout == 0:
                timeout = -1
            return None if timeout is None else self.now + timeout

        monkeypatch.setattr(BaseCache, "get_backend_timeout", expiry)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def use_database_cache(settings) -> None:
    """The cache a deployment with several workers uses (GOVHALL_CACHE=db)."""
    from django.core.management import call_command

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "govhall_cache"}
    }
    call_command("createcachetable", verbosity=0)  # made by core's migration 0003; before it, by hand
