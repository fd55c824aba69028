"""A signed-in browser left alone is logged out; one in use stays signed in."""

import datetime as dt
from unittest import mock

import pytest
from conftest import login
from django.conf import settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

IDLE = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def signed_in(client) -> bool:
    return client.get("/cases/mine/").status_code == 200


def test_use_keeps_the_session_and_idleness_ends_it(client, demo):
    start = timezone.now()
    with at(start):
        login(client, "citizen")
        assert signed_in(client)
    # Used again before the idle time ran out: the expiry moves on from here.
    with at(start + IDLE - dt.timedelta(minutes=5)):
        assert signed_in(client)
    with at(start + IDLE + dt.timedelta(minutes=5)):  # past the first expiry, within the second
        assert signed_in(client)
    with at(start + 2 * IDLE + dt.timedelta(minutes=10)):  # left alone longer than the idle time
        response = client.get("/cases/mine/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_session_is_saved_at_most_once_a_minute(client, demo, django_assert_max_num_queries):
    start = timezone.now().replace(second=0, microsecond=0)
    with at(start):
        login(client, "citizen")
        assert signed_in(client)  # saves the minute mark
    from django.contrib.sessions.models import Session

    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    with at(start + dt.timedelta(seconds=30)):
        assert signed_in(client)
    assert Session.objects.get(session_key=key).expire_date == expiry  # same minute: no write
    with at(start + dt.timedelta(seconds=90)):
        assert signed_in(client)
    assert Session.objects.get(session_key=key).expire_date > expiry


def test_bearer_token_calls_leave_sessions_alone(client, demo, bearer):
    headers = bearer("citizen")
    client.cookies.clear()
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 200 and settings.SESSION_COOKIE_NAME not in response.cookies
