"""System checks for settings only govhall knows matter: the providers each registry's
setting enables (``manage.py check``), with ``--database`` the tables the limits and the
cache need (``govhall.E003``), and at deploy time (``check --deploy``) the shared cache,
the proxies in front and every enabled provider's configuration (``core/registry.py``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.db import connections

from govhall.core.registry import registries


@checks.register(checks.Tags.security, deploy=True)
def counts_are_shared(app_configs, **kwargs):
    """The cache holds the SMS codes and the API's throttles; in one process's memory, a
    code sent by one server worker is unknown to the next, and every worker throttles
    apart. (The rate limits and login limits count in the database or Redis: ``core.limits``.)"""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("locmem.LocMemCache"):
        return [
            checks.Warning(
                "The cache (SMS codes, API throttles) is each server process's own memory.",
                hint="Set GOVHALL_CACHE=db when serving with several workers (migrate creates its table), "
                "or GOVHALL_CACHE=redis with several nodes (docs/deployment.md).",
                id="govhall.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def proxies_counted(app_configs, **kwargs):
    """SECURE_PROXY_SSL_HEADER says a proxy stands in front; with GOVHALL_PROXIES at 0 every
    client then has the proxy's address, and the limits per address (30 failed logins,
    SMS codes, the progress query) hold for all clients together: anyone can lock the
    sign-in of everybody."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.NINJA_NUM_PROXIES:
        return [
            checks.Warning(
                "SECURE_PROXY_SSL_HEADER is set but GOVHALL_PROXIES is 0: every client would share the proxy's "
                "address, and the limits per address would hold for all of them together.",
                hint="Set GOVHALL_PROXIES to the number of proxies in front that append to X-Forwarded-For.",
                id="govhall.W006",
            )
        ]
    return []


@checks.register(checks.Tags.database)
def tables_present(app_configs, databases=None, **kwargs):
    """With ``--database`` (``check --deploy --database default``; ``migrate`` asks too):
    the limits' table and, with GOVHALL_CACHE=db, the cache's, once ``core``'s migrations
    say they were made. Without them every sign-in and every SMS code answers 500."""
    from django.db.migrations.recorder import MigrationRecorder

    from govhall.core.models import LimitCount

    wanted = [LimitCount._meta.db_table] + [
        cache["LOCATION"] for cache in settings.CACHES.values() if cache["BACKEND"].endswith("db.DatabaseCache")
    ]
    found = []
    for alias in databases or ():
        connection = connections[alias]
        if ("core", "0003_cache_table") not in MigrationRecorder(connection).applied_migrations():
            continue  # not migrated yet: migrate makes them (and runserver says it is due)
        tables = set(connection.introspection.table_names())
        found += [
            checks.Error(
                f"The table {table!r} does not exist in the database {alias!r}.",
                hint="Run manage.py migrate; for a cache table of another name, manage.py createcachetable.",
                id="govhall.E003",
            )
            for table in wanted
            if table not in tables
        ]
    return found


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


@checks.register(checks.Tags.compatibility)
def pdf_font_ready(app_configs, **kwargs):
    """The CJK font official PDFs embed is there and prepared (``govhall.W007``): without
    it every notice and licence fails, and unprepared it makes the first one wait ~40 s."""
    from govhall.core.pdf import font_problems  # reportlab only when checks run

    return [
        checks.Warning(problem, hint="docs/pdf.md: make setup prepares the bundled font.", id="govhall.W007")
        for problem in font_problems()
    ]
