"""Deploy checks (``manage.py check --deploy``) for settings only govhall knows matter."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def counts_are_shared(app_configs, **kwargs):
    """Rate limits and the login lock count in the cache; in one process's memory, every
    server worker keeps its own counts and a guesser gets that many times the attempts."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("locmem.LocMemCache"):
        return [
            checks.Warning(
                "Rate limits and the login lock count per server process.",
                hint="Set GOVHALL_CACHE=db (and run manage.py createcachetable) when serving with several workers.",
                id="govhall.W001",
            )
        ]
    return []
