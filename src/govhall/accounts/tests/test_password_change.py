"""修改密码: the old password, the validators, and what a change ends."""

import pytest
from conftest import login
from django.conf import settings

from govhall.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db

OLD = settings.GOVHALL_DEMO_PASSWORD
NEW = "Xian-Lianhu-2026!"


def change(client, old: str, new1: str, new2: str | None = None):
    return client.post(
        "/accounts/password/", {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    )


def test_a_signed_in_user_changes_the_password(client, demo, bearer):
    token = bearer("citizen")  # a bearer token issued before the change
    other_browser = client.__class__()
    login(other_browser, "citizen")
    login(client, "citizen")
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    response = change(client, OLD, NEW)
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    user = User.objects.get(username="citizen")
    assert user.check_password(NEW) and not user.check_password(OLD)
    assert client.get("/cases/mine/").status_code == 200  # this browser stays signed in
    assert other_browser.get("/cases/mine/").status_code == 302  # the others are signed out
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.__class__().get("/api/v1/cases", headers=token).status_code == 401  # the old token is void


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong-password", NEW, NEW, "原密码不正确"),
        (OLD, NEW, NEW + "x", "两个密码不一致"),
        (OLD, "20261124", "20261124", "密码只包含数字"),
        (OLD, "abc12", "abc12", "密码太短，至少需要8个字符"),
    ],
)
def test_bad_changes_are_refused_with_a_reason(client, demo, old, new1, new2, message):
    login(client, "citizen")
    response = change(client, old, new1, new2)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(username="citizen").check_password(OLD)


def test_changing_a_password_needs_a_login(client, demo):
    response = change(client, OLD, NEW)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert User.objects.get(username="citizen").check_password(OLD)
