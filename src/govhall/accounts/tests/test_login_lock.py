"""Password guessing: failures are counted per username and per address, and past the
limit a login is refused, whatever the password, on the API, the site and the admin."""

from unittest import mock

import pytest
from conftest import login
from django.conf import settings
from django.test import RequestFactory

from govhall.accounts import services
from govhall.accounts.models import User
from govhall.core.http import client_address

pytestmark = pytest.mark.django_db

GOOD = settings.GOVHALL_DEMO_PASSWORD


def token(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_five_failures_lock_the_username_on_the_api(client, demo):
    for _ in range(services.LOGIN_FAILURES_PER_USER):
        assert token(client, "citizen", "wrong").status_code == 401
    locked = token(client, "citizen", GOOD)  # the right password no longer helps
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked" and "15分钟" in locked.json()["message"]
    # from another address too: it is the account that is being guessed
    assert token(client, "citizen", GOOD, address="10.0.0.2").status_code == 429
    # other accounts are not affected
    assert token(client, "company", GOOD).status_code == 200


def test_a_locked_login_does_not_check_the_password(demo):
    for _ in range(services.LOGIN_FAILURES_PER_USER):
        assert services.credentials_check(username="clerk", password="wrong", address="10.0.0.1") is None
    with mock.patch.object(services.login, "authenticate") as authenticate, pytest.raises(services.DomainError):
        services.credentials_check(username="clerk", password=GOOD, address="10.0.0.1")
    authenticate.assert_not_called()  # no password hash computed while locked


def test_success_clears_the_count_and_unknown_names_lock_alike(client, demo):
    for _ in range(services.LOGIN_FAILURES_PER_USER - 1):
        token(client, "citizen", "wrong")
    assert token(client, "citizen", GOOD).status_code == 200
    assert token(client, "citizen", "wrong").status_code == 401  # counting starts again
    # A name nobody has locks the same way: the answer does not say which accounts exist.
    for _ in range(services.LOGIN_FAILURES_PER_USER):
        assert token(client, "nobody-by-this-name", "wrong").status_code == 401
    assert token(client, "nobody-by-this-name", "wrong").status_code == 429


def test_one_address_trying_many_names_is_locked(demo):
    for i in range(services.LOGIN_FAILURES_PER_ADDRESS):
        services.credentials_check(username=f"guess{i}", password="wrong", address="10.9.9.9")
    with pytest.raises(services.DomainError, match="锁定"):
        services.credentials_check(username="citizen", password=GOOD, address="10.9.9.9")
    assert services.credentials_check(username="citizen", password=GOOD, address="10.9.9.8").username == "citizen"


def test_the_login_page_says_the_account_is_locked(client, demo):
    for _ in range(services.LOGIN_FAILURES_PER_USER):
        page = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
        assert page.status_code == 200 and "用户名或密码不正确" in page.content.decode()
        assert 'value="clerk"' in page.content.decode()  # the name stays typed in
    page = client.post("/accounts/login/", {"username": "clerk", "password": GOOD})
    assert "已暂时锁定" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_locked_too(client, demo):
    for _ in range(services.LOGIN_FAILURES_PER_USER):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    page = client.post("/admin/login/", {"username": "admin", "password": GOOD})
    assert "已暂时锁定" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_client_address_trusts_only_the_configured_proxies(settings):
    spoofed = {"REMOTE_ADDR": "192.0.2.10", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    request = RequestFactory().get("/", **spoofed)
    settings.NINJA_NUM_PROXIES = 0  # default: the header is the client's own word
    assert client_address(request) == "192.0.2.10"
    settings.NINJA_NUM_PROXIES = 1  # one proxy: what it saw connecting is the last entry
    assert client_address(request) == "198.51.100.7"
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")) == "192.0.2.10"


def test_a_forged_forwarded_header_does_not_escape_the_progress_limit(client, demo):
    """Each request claims another X-Forwarded-For; with no proxy configured they all count
    against the connecting address (django-ninja would otherwise key on the header)."""
    answers = [
        client.get(
            "/api/v1/progress",
            {"number": f"6101042026010100{i:05d}", "phone_last4": "0000"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(35)
    ]
    assert answers[:30] == [404] * 30 and set(answers[30:]) == {429}


def test_an_administrator_lifts_a_lock(client, demo):
    for _ in range(services.LOGIN_FAILURES_PER_USER):
        token(client, "citizen", "wrong")
    assert token(client, "citizen", GOOD).status_code == 429
    admin_browser = client.__class__()
    login(admin_browser, "admin")
    listing = admin_browser.get("/admin/accounts/user/")
    assert "登录锁定" in listing.content.decode()
    # the column reads every user's lock at once: the citizen's row says locked, the others not
    locked_rows = [
        row
        for row in listing.content.decode().split("<tr")
        if 'field-locked"><img src="/static/admin/img/icon-yes' in row
    ]
    assert len(locked_rows) == 1 and ">citizen</a>" in locked_rows[0]
    citizen = User.objects.get(username="citizen")
    admin_browser.post("/admin/accounts/user/", {"action": "unlock_selected", "_selected_action": [citizen.pk]})
    assert token(client, "citizen", GOOD).status_code == 200
