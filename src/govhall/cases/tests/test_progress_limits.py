"""The public progress query's limits (issue 13, items 3 and 4): wrong answers lock the
number for the address that gave them, not for the applicant; one address cannot try many
numbers; a much higher ceiling per number holds against many addresses; counted before the
look-up."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from govhall.cases import progress
from govhall.cases.tests import factories as f
from govhall.core.errors import DomainError
from govhall.core.tests.limits_clock import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture(name="clock")
def _clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def page(client, number: str, last4: str, address: str):
    return client.get("/progress/", {"number": number, "phone_last4": last4}, REMOTE_ADDR=address)


def query(number: str, last4: str, address: str):
    return progress.progress_query(number=number, phone_last4=last4, address=address)


def test_a_guesser_locks_the_number_for_themself_not_for_the_applicant(client, demo):
    """Before: 10 wrong answers from anywhere locked the number's query for everybody."""
    case = f.submitted()
    for guess in range(progress.PROGRESS_MISSES_PER_SOURCE):
        assert page(client, case.number, f"{guess:04d}", "198.51.100.7").status_code == 404
    locked = page(client, case.number, "8000", "198.51.100.7")  # right, but too late from there
    assert locked.status_code == 429 and "查询错误次数过多" in locked.content.decode()
    assert "张" not in locked.content.decode()  # nothing of the case
    assert page(client, case.number, "8000", "203.0.113.5").status_code == 200  # the applicant, elsewhere


def test_one_address_cannot_try_many_numbers(client, demo):
    case = f.submitted()
    for i in range(progress.PROGRESS_MISSES_PER_ADDRESS):
        with pytest.raises(DomainError, match="未查到"):
            query(f"6101042026010100{i:05d}", "0000", "198.51.100.8")
    assert page(client, case.number, "8000", "198.51.100.8").status_code == 429
    assert page(client, case.number, "8000", "198.51.100.9").status_code == 200


def test_a_number_closes_for_the_day_only_past_a_much_higher_ceiling(demo, clock):
    case = f.submitted()
    ceiling = progress.PROGRESS_MISSES_PER_NUMBER
    assert ceiling >= 10 * progress.PROGRESS_MISSES_PER_SOURCE  # ten addresses' worth at least
    for i in range(ceiling):
        with pytest.raises(DomainError, match="未查到"):
            query(case.number, f"{i:04d}", f"10.0.{i // progress.PROGRESS_MISSES_PER_SOURCE}.1")
    with pytest.raises(DomainError, match="今日查询错误次数过多") as closed:
        query(case.number, "8000", "203.0.113.5")
    assert closed.value.code == "progress_locked"
    clock.advance(progress.PROGRESS_NUMBER_HOURS * 3600)
    assert query(case.number, "8000", "203.0.113.5") == case


def test_right_answers_do_not_count(demo):
    case = f.submitted()
    for _ in range(3 * progress.PROGRESS_MISSES_PER_SOURCE):
        assert query(case.number, "8000", "198.51.100.7") == case


def test_the_pair_lock_lasts_its_hour(demo, clock):
    case = f.submitted()
    for guess in range(progress.PROGRESS_MISSES_PER_SOURCE):
        with pytest.raises(DomainError, match="未查到"):
            query(case.number, f"{guess:04d}", "198.51.100.7")
    clock.advance(progress.PROGRESS_LOCK_MINUTES * 60 - 1)
    with pytest.raises(DomainError, match="错误次数过多"):
        query(case.number, "8000", "198.51.100.7")
    clock.advance(1)
    assert query(case.number, "8000", "198.51.100.7") == case


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_are_looked_up_at_most_the_limit(demo, monkeypatch):
    case = f.submitted()
    looked_up = []
    real = progress.selectors.progress_lookup

    def counted(number, last4):
        looked_up.append(last4)
        return real(number, last4)

    monkeypatch.setattr(progress.selectors, "progress_lookup", counted)

    def guess(i):
        try:
            query(case.number, f"{i:04d}", "198.51.100.7")
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(20)))
    assert len(looked_up) == progress.PROGRESS_MISSES_PER_SOURCE
    assert answers.count("progress_locked") == 20 - progress.PROGRESS_MISSES_PER_SOURCE
