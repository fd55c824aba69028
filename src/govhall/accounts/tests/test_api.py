import datetime as dt

import pytest
from django.conf import settings

from govhall.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_token_for_good_credentials(client, demo):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "citizen", "password": settings.GOVHALL_DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) >= 40
    # only a hash is stored
    assert not ApiToken.objects.filter(key_hash=token).exists()
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(token)).exists()


def test_bad_credentials_give_structured_401(client, demo):
    response = client.post(
        "/api/v1/auth/token", {"username": "citizen", "password": "wrong"}, content_type="application/json"
    )
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["message"]


def test_missing_field_gives_structured_422(client):
    response = client.post("/api/v1/auth/token", {"username": "citizen"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_bearer_token_authenticates_and_expires(client, demo, bearer):
    from govhall.accounts.services import token_user

    headers = bearer("clerk")
    key = headers["Authorization"].split()[1]
    assert token_user(key).username == "clerk"
    ApiToken.objects.update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert token_user(key) is None
    assert token_user("not-a-token") is None


def test_inactive_user_token_is_refused(client, demo, bearer):
    from govhall.accounts.models import User
    from govhall.accounts.services import token_user

    key = bearer("citizen")["Authorization"].split()[1]
    User.objects.filter(username="citizen").update(is_active=False)
    assert token_user(key) is None
