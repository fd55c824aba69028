"""System checks for settings only govhall knows matter: the providers each registry's
setting enables (``manage.py check``), and at deploy time (``check --deploy``) the shared
counts and every enabled provider's configuration (``core/registry.py``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from govhall.core.registry import registries


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


@checks.register(checks.Tags.compatibility)
def providers_selected(app_configs, **kwargs):
    """Each registry's setting names providers that exist (``govhall.E001``), in every
    environment: a typo fails at start, not at the first message or delivery."""
    return [message for registry in registries() for message in registry.selection_errors()]


@checks.register(checks.Tags.security, deploy=True)
def outside_services_configured(app_configs, **kwargs):
    """Every enabled provider of every registry: the problems its ``check_config`` finds
    (``govhall.E002``), and a warning for each local stand-in still enabled, which is fine
    for development and demos and a gap when serving the public (the SMS outbox:
    ``govhall.W004``, the local identity and enterprise verifiers: ``W002``, ``W003``;
    others ``W005``)."""
    return [message for registry in registries() for message in registry.deploy_messages()]
