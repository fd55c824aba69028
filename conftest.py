"""Shared test fixtures. The demo catalogue is loaded once per session (and again by
`demo` after a transactional test has flushed the database)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


def _load_demo() -> None:
    from govhall.accounts import demo as accounts_demo
    from govhall.catalog import demo as catalog_demo

    catalog_demo.load()
    accounts_demo.load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _load_demo()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Rate limits live in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def demo(db):
    """The demo region, departments, catalogue and accounts (idempotent, cheap when present)."""
    from govhall.catalog.models import ServiceItem

    if not ServiceItem.objects.filter(status="published").exists():
        _load_demo()


@pytest.fixture
def api_client(client):
    return client


def login(client, username: str):
    from govhall.accounts.models import User

    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def bearer(client):
    """Headers with a bearer token for a demo user: bearer('clerk')."""

    def make(username: str) -> dict[str, str]:
        from django.conf import settings

        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": settings.GOVHALL_DEMO_PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return make


__all__ = ["call_command", "login"]
