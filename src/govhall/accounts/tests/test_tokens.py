"""``token_user`` is one hand-written statement (it runs on every API request); these tests
hold it to the ORM form it replaces."""

import datetime as dt

import pytest
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from govhall.accounts.models import ApiToken, User
from govhall.accounts.services import token_create, token_user

pytestmark = pytest.mark.django_db


def token_user_orm(key: str) -> User | None:
    """The reference: what ``token_user`` answers, written with the ORM."""
    token = (
        ApiToken.objects.select_related("user__staff_profile")
        .filter(key_hash=ApiToken.hash_key(key), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    return token.user if token else None


def profile_of(user: User):
    try:
        profile = user.staff_profile
    except User.staff_profile.RelatedObjectDoesNotExist:
        return None
    return {f.attname: getattr(profile, f.attname) for f in profile._meta.concrete_fields}


def fields_of(user: User) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


@pytest.mark.parametrize("username", ["citizen", "company", "clerk", "approver", "supervisor", "admin"])
def test_same_user_and_profile_as_the_orm(demo, username, django_assert_num_queries):
    key = token_create(username=username, password=settings.GOVHALL_DEMO_PASSWORD)
    expected = token_user_orm(key)
    with django_assert_num_queries(2):  # the look-up, and the first use's last_used_at
        found = token_user(key)
    assert fields_of(found) == fields_of(expected)
    assert isinstance(found.date_joined, dt.datetime) and timezone.is_aware(found.date_joined)
    with django_assert_num_queries(0):  # the profile (or its absence) came with the user
        assert profile_of(found) == profile_of(expected)
        assert profile_of(found) is None or found.staff_profile.user is found
    with django_assert_num_queries(1):  # used again within the minute: no write
        token_user(key)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda: ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1)), id="expired"
        ),
        pytest.param(lambda: User.objects.filter(username="citizen").update(is_active=False), id="inactive"),
        pytest.param(lambda: ApiToken.objects.all().delete(), id="revoked"),
    ],
)
def test_refused_exactly_when_the_orm_refuses(demo, spoil):
    key = token_create(username="citizen", password=settings.GOVHALL_DEMO_PASSWORD)
    assert token_user(key) is not None
    spoil()
    assert token_user(key) is None and token_user_orm(key) is None
    assert token_user(key + "x") is None and token_user("") is None


def test_last_used_is_recorded_at_most_once_a_minute(demo):
    key = token_create(username="citizen", password=settings.GOVHALL_DEMO_PASSWORD)
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.last_used_at is None
    token_user(key)
    first = ApiToken.objects.values_list("last_used_at", flat=True).get(pk=token.pk)
    assert first is not None
    token_user(key)
    assert ApiToken.objects.values_list("last_used_at", flat=True).get(pk=token.pk) == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    token_user(key)
    assert ApiToken.objects.values_list("last_used_at", flat=True).get(pk=token.pk) > first - dt.timedelta(minutes=1)
    assert not ApiToken.objects.filter(~Q(pk=token.pk)).filter(last_used_at__isnull=False).exists()
