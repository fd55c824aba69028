from pathlib import Path

import pytest
from django.conf import settings

from govhall.core.management.commands.write_openapi import openapi_text


def test_committed_openapi_matches_the_code():
    committed = (Path(settings.BASE_DIR) / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text(), "The API changed: run `make openapi` and commit docs/openapi.json"


def test_openapi_and_docs_are_served(client):
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "govhall API"
    assert client.get("/api/v1/docs").status_code == 200


def test_ping(client):
    assert client.get("/api/v1/ping").json() == {"ok": True}


@pytest.mark.django_db
def test_unknown_api_path_is_structured(client):
    response = client.get("/api/v1/catalog/items/NO-SUCH-ITEM")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "detail"}


def test_no_two_schemas_share_a_component_name():
    """django-ninja names a component after its class and keeps the last one of a name: a
    second ``MaterialOut`` in another app silently replaced the catalogue's in the document
    (found by the request-guard test). Every schema class of every app's API has its own."""
    import importlib
    import inspect

    from django.apps import apps
    from ninja import Schema

    owners: dict[str, str] = {}
    clashes = []
    for config in apps.get_app_configs():
        if not config.name.startswith("govhall."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == module.__name__:
                if name in owners and owners[name] != module.__name__:
                    clashes.append(f"{name}: {owners[name]} and {module.__name__}")
                owners.setdefault(name, module.__name__)
    assert not clashes, clashes


def test_no_two_models_in_the_document_share_a_name():
    """The same rule for every pydantic model the API is built from, including the ones made
    at import time (the cases' action bodies: ``DeliverIn``, ``AcceptIn``… from the workflow
    table), which the class scan above cannot see: a bundle-case ``DeliverIn`` once replaced
    the cases' transition body in the document."""
    import importlib

    from django.apps import apps
    from pydantic import BaseModel

    for config in apps.get_app_configs():
        if config.name.startswith("govhall."):
            try:
                importlib.import_module(f"{config.name}.api")
            except ModuleNotFoundError:
                pass

    def everything(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from everything(sub)

    by_name: dict[str, set[str]] = {}
    for model in set(everything(BaseModel)):
        module = model.__module__ or ""
        if module.startswith("govhall.") and ".tests" not in module:
            by_name.setdefault(model.__name__, set()).add(f"{module}.{model.__qualname__}@{id(model)}")
    clashes = {name: sorted(owners) for name, owners in by_name.items() if len(owners) > 1}
    assert not clashes, clashes
    assert "DeliverIn" in by_name and "BundleDeliverIn" in by_name  # both kinds are seen


def test_what_schemathesis_found_in_the_new_apis(demo):
    """A POST to an /api/ path no endpoint answers is the JSON 404 even from a signed-in
    browser session without a CSRF token (it was Django's HTML CSRF page); a query date is
    YYYY-MM-DD only (pydantic read "0" as 1970-01-01)."""
    from conftest import login
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    login(client, "clerk")
    response = client.post("/api/v1/appointments/null,null/cancel")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get("/api/v1/appointments/day", {"date": "0"}).status_code in (400, 422)
    assert client.get("/api/v1/appointments/day", {"date": "2026-12-07"}).status_code == 200
