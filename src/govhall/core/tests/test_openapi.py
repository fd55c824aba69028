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
