"""Password guessing (issue 13, items 2–4): failures are counted per account and address,
per address and per account from anywhere, before the password is checked; past a limit
the login is refused there, on the API, the site and the admin, while the owner signing in
from elsewhere is asked for an SMS code instead of being locked out."""

import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from conftest import login
from django.conf import settings
from django.db import connection
from django.test import RequestFactory

from govhall.accounts import services
from govhall.accounts.models import User
from govhall.accounts.services import login as login_service
from govhall.core.http import client_address
from govhall.core.tests.limits_clock import Clock, use_database_cache

pytestmark = pytest.mark.django_db

GOOD = settings.GOVHALL_DEMO_PASSWORD
PAIR = login_service.LOGIN_FAILURES_PER_PAIR
PER_ACCOUNT = login_service.LOGIN_FAILURES_PER_USER


@pytest.fixture(name="clock")
def _clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def token(client, username: str, password: str, address: str = "10.0.0.1", **extra):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password, **extra},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def check(username: str, password: str, address: str, **kwargs):
    return services.credentials_check(username=username, password=password, address=address, **kwargs)


def fail_from_many_addresses(username: str, times: int) -> None:
    """Wrong passwords from addresses that each stay under their own limit."""
    for i in range(times):
        assert check(username, "wrong", f"198.51.100.{i // (PAIR - 1)}") is None


# --------------------------------------------------------------------------- one address (item 4)


def test_failures_lock_the_account_at_that_address_only(client, demo):
    for _ in range(PAIR):
        assert token(client, "citizen", "wrong").status_code == 401
    locked = token(client, "citizen", GOOD)  # the right password no longer helps from there
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked" and "15分钟" in locked.json()["message"]
    assert locked["Retry-After"] == "900"  # a client's backoff need not parse the message
    # The owner, elsewhere, is not locked out by whoever guessed (before: 429 for 15 minutes).
    assert token(client, "citizen", GOOD, address="10.0.0.2").status_code == 200
    # other accounts from the guessing address are not affected
    assert token(client, "company", GOOD).status_code == 200


def test_a_locked_login_does_not_check_the_password(demo):
    for _ in range(PAIR):
        assert check("clerk", "wrong", "10.0.0.1") is None
    with mock.patch.object(login_service, "authenticate") as authenticate, pytest.raises(services.DomainError):
        check("clerk", GOOD, "10.0.0.1")
    authenticate.assert_not_called()  # no password hash computed while locked


def test_success_clears_the_count_and_unknown_names_lock_alike(client, demo):
    for _ in range(PAIR - 1):
        token(client, "citizen", "wrong")
    assert token(client, "citizen", GOOD).status_code == 200
    assert token(client, "citizen", "wrong").status_code == 401  # counting starts again
    # A name nobody has locks the same way: the answer does not say which accounts exist.
    for _ in range(PAIR):
        assert token(client, "nobody-by-this-name", "wrong").status_code == 401
    assert token(client, "nobody-by-this-name", "wrong").status_code == 429


def test_one_address_trying_many_names_is_locked_but_not_for_accounts_known_there(demo):
    assert check("citizen", GOOD, "10.9.9.9").username == "citizen"  # has signed in from there
    for i in range(services.LOGIN_FAILURES_PER_ADDRESS):
        assert check(f"guess{i}", "wrong", "10.9.9.9") is None
    with pytest.raises(services.DomainError, match="锁定"):
        check("clerk", GOOD, "10.9.9.9")
    assert check("clerk", GOOD, "10.9.9.8").username == "clerk"
    assert check("citizen", GOOD, "10.9.9.9").username == "citizen"  # known there: not shut out


def test_an_ipv6_guesser_cannot_escape_by_changing_addresses_within_its_network(demo):
    for i in range(PAIR):
        assert check("clerk", "wrong", f"2001:db8:5:6::{i + 1:x}") is None
    with pytest.raises(services.DomainError, match="锁定"):
        check("clerk", GOOD, "2001:db8:5:6:ffff::1")


# --------------------------------------------------------------------------- many addresses (item 4)


def test_failures_from_everywhere_ask_for_a_code_instead_of_locking_the_owner_out(client, demo):
    assert check("citizen", GOOD, "10.1.1.1").username == "citizen"  # the owner's usual address
    fail_from_many_addresses("citizen", PER_ACCOUNT)
    # From a new address the password alone is not even checked: a code is needed.
    with mock.patch.object(login_service, "authenticate") as authenticate:
        refused = token(client, "citizen", GOOD, address="10.2.2.2")
    authenticate.assert_not_called()
    assert refused.status_code == 401 and refused.json()["code"] == "login_code_required"
    assert token(client, "citizen", GOOD, address="10.2.2.2").status_code == 401  # not counted: no lock from asking
    # From where the owner signed in before, the password is enough.
    assert check("citizen", GOOD, "10.1.1.1").username == "citizen"
    # From the new address, with the SMS code sent to the account's phone.
    code = services.login.login_code_send(username="citizen", address="10.2.2.2")
    with pytest.raises(services.DomainError) as wrong:
        check("citizen", GOOD, "10.2.2.2", code=f"{(int(code) + 1) % 10**6:06d}")
    assert wrong.value.code == "code_wrong"
    assert check("citizen", GOOD, "10.2.2.2", code=code).username == "citizen"
    # the code is used up; that address is known now
    assert check("citizen", GOOD, "10.2.2.2").username == "citizen"


def test_the_login_code_goes_to_the_accounts_phone_and_alike_for_unknown_names(demo):
    from govhall.notify.models import Notification

    with pytest.raises(services.DomainError) as not_needed:
        login_service.login_code_send(username="citizen", address="10.2.2.2")
    assert not_needed.value.code == "code_not_needed"
    fail_from_many_addresses("citizen", PER_ACCOUNT)
    fail_from_many_addresses("nobody-by-this-name", PER_ACCOUNT)
    login_service.login_code_send(username="citizen", address="10.2.2.2")
    sms = Notification.objects.get(event="account.code.login")
    assert sms.phone == "13800138000"
    code = login_service.login_code_send(username="nobody-by-this-name", address="10.2.2.2")
    assert Notification.objects.filter(event="account.code.login").count() == 1  # nothing sent for nobody
    with pytest.raises(services.DomainError) as wrong:  # and a guess answers as for an account
        check("nobody-by-this-name", GOOD, "10.2.2.2", code=f"{(int(code) + 1) % 10**6:06d}")
    assert wrong.value.code == "code_wrong"


def test_the_login_page_asks_for_the_code_and_signs_in_with_it(client, demo):
    fail_from_many_addresses("citizen", PER_ACCOUNT)
    page = client.post("/accounts/login/", {"username": "citizen", "password": GOOD})
    body = page.content.decode()
    assert "短信验证码" in body and 'name="code"' in body and "_auth_user_id" not in client.session
    sent = client.post("/accounts/login/", {"username": "citizen", "action": "code"})
    assert "验证码已发送至账户绑定的手机" in sent.content.decode()
    from govhall.notify.models import Notification

    code = Notification.objects.get(event="account.code.login").secret
    signed_in = client.post("/accounts/login/", {"username": "citizen", "password": GOOD, "code": code})
    assert signed_in.status_code == 302 and client.session["_auth_user_id"] == str(
        User.objects.get(username="citizen").pk
    )


def test_the_admin_login_sends_to_the_sites_form_for_the_code(client, demo):
    fail_from_many_addresses("admin", PER_ACCOUNT)
    page = client.post("/admin/login/", {"username": "admin", "password": GOOD})
    assert "请先在网站登录页登录" in page.content.decode()
    assert "_auth_user_id" not in client.session


# --------------------------------------------------------------------------- the site and the admin


def test_the_login_page_says_the_account_is_locked(client, demo):
    for _ in range(PAIR):
        page = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
        assert page.status_code == 200 and "用户名或密码不正确" in page.content.decode()
        assert 'value="clerk"' in page.content.decode()  # the name stays typed in
    page = client.post("/accounts/login/", {"username": "clerk", "password": GOOD})
    assert "已暂时锁定" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_locked_too(client, demo):
    for _ in range(PAIR):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    page = client.post("/admin/login/", {"username": "admin", "password": GOOD})
    assert "已暂时锁定" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_administrator_lifts_the_limits(client, demo):
    for _ in range(PAIR):
        token(client, "citizen", "wrong")
    fail_from_many_addresses("citizen", PER_ACCOUNT - PAIR)
    assert token(client, "citizen", GOOD).status_code == 429
    assert token(client, "citizen", GOOD, address="10.3.3.3").json()["code"] == "login_code_required"
    admin_browser = client.__class__()
    login(admin_browser, "admin")
    listing = admin_browser.get("/admin/accounts/user/")
    assert "登录受限" in listing.content.decode()
    # the column reads every user's state at once: the citizen's row says limited, the others not
    locked_rows = [
        row
        for row in listing.content.decode().split("<tr")
        if 'field-locked"><img src="/static/admin/img/icon-yes' in row
    ]
    assert len(locked_rows) == 1 and ">citizen</a>" in locked_rows[0]
    citizen = User.objects.get(username="citizen")
    admin_browser.post("/admin/accounts/user/", {"action": "unlock_selected", "_selected_action": [citizen.pk]})
    assert token(client, "citizen", GOOD).status_code == 200  # the lock at that address is lifted
    assert token(client, "citizen", GOOD, address="10.3.3.4").status_code == 200  # and no code needed


def test_a_password_reset_lifts_the_limits_too(demo):
    for _ in range(PAIR):
        check("citizen", "wrong", "10.0.0.1")
    fail_from_many_addresses("citizen", PER_ACCOUNT - PAIR)
    code = services.password_reset_code_send(phone="13800138000", address="10.0.0.1")
    services.password_reset(phone="13800138000", code=code, new_password="Lianhu-Xidajie-99")
    assert check("citizen", "Lianhu-Xidajie-99", "10.0.0.1").username == "citizen"
    assert check("citizen", "Lianhu-Xidajie-99", "10.0.0.2").username == "citizen"  # no code asked


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


# --------------------------------------------------------------------------- the windows (item 2)


def test_the_lock_lasts_its_15_minutes_with_the_database_cache(settings, demo, clock):
    """Before, with GOVHALL_CACHE=db each failure set the count again with the cache's
    default timeout: the 15-minute lock ended after 5 minutes."""
    use_database_cache(settings)
    for _ in range(PAIR):
        check("clerk", "wrong", "10.0.0.1")
        clock.advance(10)
    clock.advance(5 * 60)
    with pytest.raises(services.DomainError, match="锁定"):
        check("clerk", GOOD, "10.0.0.1")
    clock.advance(login_service.LOGIN_LOCK_MINUTES * 60 - 5 * 60 - PAIR * 10 - 1)  # 1 s before the end
    with pytest.raises(services.DomainError, match="锁定"):
        check("clerk", GOOD, "10.0.0.1")
    clock.advance(1)
    assert check("clerk", GOOD, "10.0.0.1").username == "clerk"


def test_the_code_is_asked_for_the_whole_day(settings, demo, clock):
    use_database_cache(settings)
    fail_from_many_addresses("clerk", PER_ACCOUNT)
    clock.advance(login_service.LOGIN_ACCOUNT_HOURS * 3600 - 1)
    with pytest.raises(services.DomainError, match="短信验证码"):
        check("clerk", GOOD, "10.7.7.7")
    clock.advance(1)
    assert check("clerk", GOOD, "10.7.7.7").username == "clerk"


# --------------------------------------------------------------------------- parallel guesses (item 3)


def _parallel(attempt, n: int) -> list:
    def run(i):
        try:
            return attempt(i)
        except services.DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def counted_authenticate(monkeypatch):
    """``authenticate`` that counts its calls and takes its time (as a password hash does),
    so that parallel requests overlap."""
    calls = []

    def slow_wrong(request=None, **credentials):
        calls.append(credentials["username"])
        time.sleep(0.05)

    monkeypatch.setattr(login_service, "authenticate", slow_wrong)
    return calls


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_from_one_address_are_checked_at_most_the_limit(demo, counted_authenticate):
    """Before: the lock was read before the password was checked and counted after, and 20
    parallel guesses were all checked."""
    answers = _parallel(lambda i: check("citizen", f"wrong{i}", "10.0.0.1"), 20)
    assert len(counted_authenticate) == PAIR
    assert answers.count("login_locked") == 20 - PAIR


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_from_many_addresses_are_checked_at_most_the_account_limit(demo, counted_authenticate):
    answers = _parallel(lambda i: check("citizen", f"wrong{i}", f"10.0.{i}.1"), 30)
    assert len(counted_authenticate) == PER_ACCOUNT
    assert answers.count("login_code_required") == 30 - PER_ACCOUNT


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_at_many_accounts_are_checked_at_most_the_address_limit(demo, counted_authenticate):
    limit = services.LOGIN_FAILURES_PER_ADDRESS
    answers = _parallel(lambda i: check(f"guess{i}", "wrong", "10.0.0.9"), limit + 10)
    assert len(counted_authenticate) == limit
    assert answers.count("login_locked") == 10
