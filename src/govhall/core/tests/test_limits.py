"""``core.limits``: counts that keep their windows and stay exact under parallel requests,
from threads and from processes, on SQLite and PostgreSQL; and the deployment traps
around them (issue 13, items 2 and 6).

The contract tests run against every :class:`~govhall.core.limits.Counter` in
``COUNTERS``; a new store (Redis, issue 18) is added there and must pass them."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from govhall.core import limits
from govhall.core.models import LimitCount
from govhall.core.tests.limits_clock import Clock

COUNTERS = {"db": limits.DatabaseCounter, "redis": limits.RedisCounter}


@pytest.fixture(name="clock")
def _clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture(params=sorted(COUNTERS))
def counter(request, db, monkeypatch):
    if request.param == "redis":  # a real redis-server (core/tests/servers.py), emptied per test
        store = limits.RedisCounter(request.getfixturevalue("redis_url"))
        store.client.flushdb()
    else:
        store = COUNTERS[request.param]()
    monkeypatch.setattr(limits, "_backend", store)
    return store


# --------------------------------------------------------------------------- the contract


def test_counts_within_a_window_and_starts_again_after_it(counter, clock):
    assert [limits.hit("t:a", 60) for _ in range(3)] == [1, 2, 3]
    assert limits.counts("t:a", "t:b") == [3, 0]
    clock.advance(59.9)
    assert limits.hit("t:a", 60) == 4  # the window opened at the first event and still runs
    clock.advance(0.1)
    assert limits.counts("t:a") == [0]  # over: read as nothing
    assert limits.hit("t:a", 60) == 1  # and a new window opens
    clock.advance(59)
    assert limits.counts("t:a") == [1]


def test_a_later_event_does_not_move_the_window(counter, clock):
    """The bug of the database cache: each ``incr`` set the key again with the default
    timeout of 300 s, so an hour's window ended 5 minutes after its last event."""
    limits.hit("t:hour", 3600)
    for _ in range(10):
        clock.advance(300)
        limits.hit("t:hour", 3600)
    assert limits.counts("t:hour") == [11]
    clock.advance(600)  # 3600 s after the first event
    assert limits.counts("t:hour") == [0]


def test_giving_back_and_resetting(counter, clock):
    for _ in range(3):
        limits.hit("t:a", 60)
    limits.give_back("t:a", "t:never")
    assert limits.counts("t:a", "t:never") == [2, 0]  # nothing below zero, nothing made
    limits.give_back("t:a")
    limits.give_back("t:a")
    limits.give_back("t:a")
    assert limits.counts("t:a") == [0]
    limits.hit("t:a", 60)
    clock.advance(61)
    limits.give_back("t:a")  # an ended window is left alone
    assert limits.hit("t:a", 60) == 1
    owner = limits.key_for("t", "owner")
    others = [limits.key_for("t", "owner", address) for address in ("a", "b")]
    stranger = limits.key_for("t", "ownerx", "a")
    for key in [owner, *others, stranger]:
        limits.hit(key, 60)
    limits.reset_prefix(owner + ":")
    assert limits.counts(owner, *others, stranger) == [1, 0, 0, 1]
    limits.reset(owner)
    assert limits.counts(owner) == [0]
    with pytest.raises(ValueError):
        limits.reset_prefix("")  # never everything by mistake


def test_take_gives_back_what_it_took_when_one_limit_is_full(counter):
    a, b = limits.Limit("t:a", 2, 60), limits.Limit("t:b", 1, 60)
    assert limits.take(a, b) is None
    assert limits.take(a, b) is b  # b is full: a's count is given back, and b's extra one
    assert limits.counts("t:a", "t:b") == [1, 1]
    assert limits.take(a) is None and limits.take(a) is a
    assert limits.counts("t:a") == [2]


def test_parallel_hits_each_get_their_own_number(counter, transactional_db):
    """20 threads × 10 hits on one key: every count from 1 to 200 given out exactly once."""

    def hits(_):
        try:
            return [limits.hit("t:parallel", 60) for _ in range(10)]
        finally:
            connection.close()

    with ThreadPoolExecutor(20) as pool:
        seen = [n for batch in pool.map(hits, range(20)) for n in batch]
    assert sorted(seen) == list(range(1, 201))


# --------------------------------------------------------------------------- the database store


def test_processes_share_the_counts(transactional_db, tmp_path):
    """4 server-like processes hit one key at once against this test's database: every
    count is given out exactly once (what a cache without an atomic increment cannot do)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    script = (
        "import sys\nfrom govhall.core import limits\n"
        "sys.stdin.readline()\n"  # start together
        "print(*(limits.hit('t:processes', 600) for _ in range(50)))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": url,
        "GOVHALL_VAR_DIR": str(tmp_path),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=settings.BASE_DIR,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate("go\n", timeout=120) for p in processes]
    seen = [int(n) for out, err in outputs for n in out.split()[-50:]]
    assert len(seen) == 200, outputs
    assert sorted(seen) == list(range(1, 201))


def test_rows_of_ended_windows_are_purged_on_a_later_write(db, clock, monkeypatch):
    monkeypatch.setattr(limits, "_backend", limits.DatabaseCounter())  # this process's purge not yet due
    for i in range(5):
        limits.hit(f"t:old{i}", 60)
    clock.advance(limits.PURGE_EVERY + 61)
    limits.hit("t:new", 60)
    assert sorted(LimitCount.objects.values_list("key", flat=True)) == ["t:new"]
    # what the statement wrote is what the ORM reads
    row = LimitCount.objects.get(key="t:new")
    assert (row.count, row.expires_at) == (1, pytest.approx(clock.now + 60))


def test_keys_hold_no_personal_data(db):
    key = limits.key_for("login-pair", "13800138000", "203.0.113.9")
    limits.hit(key, 60)
    stored = " ".join(LimitCount.objects.values_list("key", flat=True))
    assert "13800138000" not in stored and "203.0.113.9" not in stored
    assert key.startswith(limits.key_for("login-pair", "13800138000") + ":")
    # keyed: a table copied without SECRET_KEY cannot be read by hashing every mobile number
    import hashlib

    assert hashlib.sha256(b"13800138000").hexdigest()[:32] not in stored


@pytest.mark.parametrize(
    ("address", "source"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same subscriber
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_network(address, source):
    assert limits.source_of(address) == source


# --------------------------------------------------------------------------- deployment traps (item 6)


def _clean_env(**changes: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**environment, **changes}


def _manage(environment: dict[str, str], *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "manage.py", *args] + (["-c", code] if code else [])
    return subprocess.run(command, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=180)


SIGN_IN = (
    "from django.test import Client\n"
    "from govhall.accounts.models import User\n"
    "u = User.objects.create_user('trap', password='Lianhu-Xidajie-88')\n"
    "c = Client()\n"
    "print('page', c.post('/accounts/login/', {'username': 'trap', 'password': 'wrong'}).status_code)\n"
    "r = c.post('/api/v1/auth/token', {'username': 'trap', 'password': 'Lianhu-Xidajie-88'},"
    " content_type='application/json')\n"
    "print('token', r.status_code)\n"
    "from govhall.accounts.services import phone_code_send\n"
    "print('code', len(phone_code_send(phone='13912345678', purpose='register', address='a')))\n"
)


def test_switching_to_the_database_cache_after_migrate_needs_no_other_step(tmp_path):
    """Migrated with the default cache, then served with GOVHALL_CACHE=db and nothing else
    run: before, the cache's table did not exist (only createcachetable made it) and every
    sign-in answered 500."""
    base = _clean_env(DATABASE_URL="", GOVHALL_VAR_DIR=str(tmp_path), GOVHALL_CACHE="", ALLOWED_HOSTS="testserver")
    assert _manage(base, "migrate", "--noinput").returncode == 0
    switched = {**base, "GOVHALL_CACHE": "db"}
    result = _manage(switched, "shell", code=SIGN_IN)
    assert result.stdout.split()[-6:] == ["page", "200", "token", "200", "code", "6"], result.stdout + result.stderr
    checked = _manage(switched, "check", "--database", "default")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A cache table that went missing (dropped, or another LOCATION) is an error of the check.
    _manage(
        switched,
        "shell",
        code="from django.db import connection\nconnection.cursor().execute('DROP TABLE govhall_cache')",
    )
    checked = _manage(switched, "check", "--database", "default")
    assert checked.returncode != 0 and "govhall.E003" in checked.stdout + checked.stderr
    # …and migrate, which runs the database checks first, is not stopped by it on a new database
    fresh = {**switched, "GOVHALL_VAR_DIR": str(tmp_path / "fresh")}
    migrated = _manage(fresh, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr


def test_deploy_check_warns_of_a_proxy_whose_clients_would_share_its_address(tmp_path):
    production = _clean_env(
        DEBUG="0",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="zwfw.example.gov.cn",
        GOVHALL_VAR_DIR=str(tmp_path),
        GOVHALL_CACHE="db",
        SECURE_PROXY_SSL_HEADER="1",
        GOVHALL_PROXIES="0",
    )
    result = _manage(production, "check", "--deploy")
    assert "govhall.W006" in result.stdout + result.stderr
    result = _manage({**production, "GOVHALL_PROXIES": "1"}, "check", "--deploy")
    assert "govhall.W006" not in result.stdout + result.stderr
