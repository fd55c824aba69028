"""SMS codes (issue 13, items 2 and 3): the sending limits last what they say with the
database cache, and parallel guesses at a code are compared at most CODE_TRIES times."""

import hmac
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from govhall.accounts import services
from govhall.accounts.services import codes
from govhall.accounts.services.codes import CODES_PER_PHONE_DAY
from govhall.core.tests.limits_clock import Clock, use_database_cache
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
PASSWORD = "Lianhu-Xidajie-88"


@pytest.fixture(name="clock")
def _clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def send(phone: str = PHONE, address: str = "10.0.0.1", purpose: str = "register") -> str:
    return services.phone_code_send(phone=phone, purpose=purpose, address=address)


def refused(phone: str = PHONE, address: str = "10.0.0.1") -> str:
    with pytest.raises(services.DomainError) as error:
        send(phone, address)
    return error.value.code


def test_the_wait_before_another_code_is_one_minute_however_often_one_presses(settings, demo, clock):
    """Before, with GOVHALL_CACHE=db every press set the wait again with the cache's default
    timeout: each press within the minute made it five minutes from then."""
    use_database_cache(settings)
    send()
    for _ in range(5):
        clock.advance(10)
        assert refused() == "code_too_soon"
    clock.advance(10)  # 60 s after the code
    send()


def test_five_codes_an_hour_for_a_whole_hour(settings, demo, clock):
    """Before, with GOVHALL_CACHE=db the hourly count ended five minutes after the last code:
    about 12 times the codes an hour to one phone."""
    use_database_cache(settings)
    for _ in range(services.CODES_PER_PHONE_HOUR):
        send()
        clock.advance(61)
    assert refused() == "code_rate_limited"
    clock.advance(3600 - 61 * services.CODES_PER_PHONE_HOUR - 1)  # 1 s before the hour is over
    assert refused() == "code_rate_limited"
    clock.advance(1)
    send()


def test_ten_codes_a_day_to_one_number(settings, demo, clock):
    use_database_cache(settings)
    for i in range(CODES_PER_PHONE_DAY):
        send(address=f"10.0.{i}.1")
        clock.advance(3600 / services.CODES_PER_PHONE_HOUR + 1)
    assert refused(address="10.9.9.9") == "code_rate_limited"
    clock.advance(24 * 3600)
    send()


def test_refused_requests_do_not_use_up_the_limits(demo, clock):
    for i in range(services.CODES_PER_ADDRESS_HOUR):
        send(phone=f"1390000{i:04d}", address="10.9.9.9")
    for _ in range(5):  # refused for the address: the number's own limits are untouched
        assert refused(phone="13700000000", address="10.9.9.9") == "code_rate_limited"
    for _ in range(services.CODES_PER_PHONE_HOUR):
        send(phone="13700000000", address="10.8.8.8")
        clock.advance(61)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def comparisons(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def counted(a, b):
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", counted)
    return calls


def _parallel(attempt, n: int) -> list:
    def run(i):
        try:
            attempt(i)
            return "ok"
        except services.DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_reset_codes_are_compared_at_most_code_tries_times(demo, comparisons):
    """Before: the guesses were read, compared and written back, and 6 or 7 of 20 parallel
    wrong codes were compared against a live code."""
    code = services.password_reset_code_send(phone="13800138000", address="10.0.0.1")
    answers = _parallel(
        lambda i: services.password_reset(phone="13800138000", code=_wrong(code), new_password=PASSWORD), 20
    )
    assert len(comparisons) == services.CODE_TRIES
    assert "ok" not in answers and answers.count("code_expired") == 20 - services.CODE_TRIES + 1
    with pytest.raises(services.DomainError, match="已失效"):  # void, the right code too
        services.password_reset(phone="13800138000", code=code, new_password=PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_registration_codes_are_compared_at_most_code_tries_times(demo, comparisons):
    code = send()
    answers = _parallel(lambda i: services.phone_code_check(phone=PHONE, purpose="register", code=_wrong(code)), 20)
    assert len(comparisons) == services.CODE_TRIES and "ok" not in answers


@pytest.mark.django_db(transaction=True)
def test_a_right_code_is_used_once_by_parallel_requests(demo):
    code = send()
    answers = _parallel(lambda i: services.phone_code_check(phone=PHONE, purpose="register", code=code), 5)
    assert answers.count("ok") == 1 and answers.count("code_expired") == 4


def test_the_login_code_counts_its_guesses_alike(demo):
    from govhall.accounts.services import login

    for i in range(login.LOGIN_FAILURES_PER_USER):
        login.login_failed(username="citizen", address=f"10.0.{i}.1")
    code = login.login_code_send(username="citizen", address="10.2.2.2")
    assert Notification.objects.filter(event="account.code.login", phone="13800138000").exists()
    for _ in range(services.CODE_TRIES - 1):
        with pytest.raises(services.DomainError, match="验证码不正确"):
            services.credentials_check(username="citizen", password="x", address="10.2.2.2", code=_wrong(code))
    with pytest.raises(services.DomainError, match="错误次数过多"):
        services.credentials_check(username="citizen", password="x", address="10.2.2.2", code=_wrong(code))
    # void now, from any address (each wrong code also counted as a failure from that one)
    with pytest.raises(services.DomainError, match="已失效"):
        services.credentials_check(username="citizen", password="x", address="10.2.2.3", code=code)
