"""Counting events per key, for rate limits and locks (the login lock, SMS codes, the public
progress query): a fixed window per key that opens at its first event, counted atomically
and shared by every server process. What is limited where, and the arithmetic:
docs/security.md, "Limits and locks".

Why not the Django cache: its database backend has no atomic increment (the base ``incr``
reads, then sets the key again with the default timeout of 300 seconds, so an hour's window
ended after five minutes), and in process memory every worker counts apart. The counts are
rows of one table (``core.LimitCount``), each written by one statement that decides
"same window, add one" or "window over, start again at one" and returns the count, so
parallel requests each get their own number.

**Count before you evaluate.** A caller counts an attempt (:func:`hit`, :func:`take`), then
compares the count with the limit, and only under it checks the password or the code; a
success gives its count back (:func:`give_back`) or clears the key (:func:`reset`). With
N guesses in flight at once, at most the limit of them are ever checked.

The backend seam: everything goes through :func:`backend`, a :class:`Counter`, chosen by
``GOVHALL_LIMITS``. The database one works for one process or many, on SQLite and
PostgreSQL; the Redis one (:class:`RedisCounter`, several nodes) counts with one Lua script
per call, so each hit is one atomic step that opens the window with its own expiry or adds
one to the live window. Both pass ``core/tests/test_limits.py``'s contract tests.

Call these outside the caller's transaction where it can be helped: a count written in a
transaction that rolls back is gone, and on PostgreSQL the counter's row stays locked
until that transaction ends.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import DatabaseError, connection, transaction
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

# The clock of every window (Unix time, seconds). Tests move it (monkeypatch this name); a
# store with its own clock (Redis's TTLs) ignores it.
clock = time.time

PURGE_EVERY = 60  # seconds: each process deletes the rows of ended windows at most this often


def key_for(kind: str, *values: str) -> str:
    """The key of ``kind`` for user-supplied values (an account, an address, a phone number,
    a case number): each value keyed-hashed (HMAC with SECRET_KEY), so any text makes a
    valid key and the table holds no usernames, numbers or addresses, nor hashes of them
    that could be reversed by trying every mobile number. ``key_for(kind, a)`` is the
    prefix of every ``key_for(kind, a, b)`` (:func:`reset_prefix`)."""
    return kind + "".join(":" + salted_hmac("govhall.core.limits", value).hexdigest()[:32] for value in values)


def source_of(address: str) -> str:
    """Whom a limit per address counts: an IPv4 address itself, an IPv6 address by its /64
    network (one subscriber's line gets a whole /64, and rotating within it is free), an
    IPv4-mapped IPv6 address as the IPv4 address. Anything else (empty, unparsable) as given."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class Counter(Protocol):
    """A store of counts. ``now`` is Unix time; every method is atomic per key and safe
    between processes."""

    def hit(self, key: str, window: float, now: float) -> int:
        """Add one to ``key``'s count and return it; a key without a live window opens one of
        ``window`` seconds and counts 1."""

    def give_back(self, keys: Sequence[str], now: float) -> None:
        """Take one off each key whose window lives and whose count is above 0."""

    def counts(self, keys: Sequence[str], now: float) -> list[int]:
        """The live counts of ``keys``, 0 where none."""

    def reset(self, keys: Sequence[str]) -> None:
        """Forget ``keys``."""

    def reset_prefix(self, prefix: str) -> None:
        """Forget every key that starts with ``prefix``."""


class DatabaseCounter:
    """Counts in ``core_limitcount``: one row per key (count, end of its window).

    :meth:`hit` is one ``INSERT … ON CONFLICT (key) DO UPDATE … RETURNING count`` (SQLite
    3.35 and later, PostgreSQL 9.5 and later): the database serialises statements on one
    row, so parallel hits, from threads or processes, each get their own count. Rows of
    ended windows are read as 0 and deleted on a later write (at most every
    ``PURGE_EVERY`` seconds per process)."""

    def __init__(self) -> None:
        self._next_purge = 0.0

    @functools.cached_property
    def _hit_sql(self) -> str:
        from govhall.core import rows
        from govhall.core.models import LimitCount

        q = rows.quote
        table, key, count, ends = (
            q(LimitCount._meta.db_table),
            q(LimitCount._meta.get_field("key").column),
            q(LimitCount._meta.get_field("count").column),
            q(LimitCount._meta.get_field("expires_at").column),
        )
        # Only names from the model's metadata are put in; every value is a parameter.
        return (
            f"INSERT INTO {table} ({key}, {count}, {ends}) VALUES (%s, 1, %s)"  # noqa: S608
            f" ON CONFLICT ({key}) DO UPDATE SET"
            f" {count} = CASE WHEN {table}.{ends} <= %s THEN 1 ELSE {table}.{count} + 1 END,"
            f" {ends} = CASE WHEN {table}.{ends} <= %s THEN excluded.{ends} ELSE {table}.{ends} END"
            f" RETURNING {count}"
        )

    def hit(self, key: str, window: float, now: float) -> int:
        # In its own (nested) transaction: on SQLite a write transaction queues for its turn
        # (core/sqlite) instead of sleeping in the busy handler.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(self._hit_sql, [key, now + window, now, now])
            ((count,),) = cursor.fetchall()
        if not self._next_purge - PURGE_EVERY <= now < self._next_purge:  # due (or the clock went back)
            self._next_purge = now + PURGE_EVERY
            try:
                with transaction.atomic():
                    self.purge(now)
            except DatabaseError:  # tidying only: another process's purge got in the way
                logger.warning("purging ended limit windows failed", exc_info=True)
        return count

    def give_back(self, keys: Sequence[str], now: float) -> None:
        from django.db.models import F

        from govhall.core.models import LimitCount

        # One row per statement: a statement that locked several rows could deadlock with
        # another locking them in another order (seen on PostgreSQL with parallel logins).
        for key in keys:
            LimitCount.objects.filter(key=key, count__gt=0, expires_at__gt=now).update(count=F("count") - 1)

    def counts(self, keys: Sequence[str], now: float) -> list[int]:
        from govhall.core.models import LimitCount

        found = dict(LimitCount.objects.filter(key__in=keys, expires_at__gt=now).values_list("key", "count"))
        return [found.get(key, 0) for key in keys]

    def reset(self, keys: Sequence[str]) -> None:
        from govhall.core.models import LimitCount

        for key in keys:  # one row per statement, as in give_back
            LimitCount.objects.filter(key=key).delete()

    def reset_prefix(self, prefix: str) -> None:
        from govhall.core.models import LimitCount

        LimitCount.objects.filter(key__startswith=prefix).delete()

    def purge(self, now: float) -> int:
        """Delete the rows of ended windows; how many. (Several rows in one statement: two
        purges at once may deadlock, and one of them then fails, which costs nothing.)"""
        from govhall.core.models import LimitCount

        deleted, _ = LimitCount.objects.filter(expires_at__lte=now).delete()
        return deleted


class RedisCounter:
    """Counts in Redis, shared by every node that reaches it: one hash per key, ``c`` (the
    count) and ``e`` (the end of its window, Unix time), each call one Lua script (atomic in
    Redis). :meth:`hit` opens a window when the key has none or its ``e`` has passed
    (count 1, ``e`` = now + window, and the key's expiry set once, to the end of the window
    plus a margin, so Redis drops it by itself), otherwise adds one (``HINCRBY``) and leaves
    ``e`` and the expiry alone: a later event never moves the window. The window is read
    from ``e`` with the caller's clock, so tests move it as they move the database's; the
    expiry only tidies. (Nodes' clocks are assumed within a second or two of each other: NTP.)"""

    MARGIN = 60  # seconds the key outlives its window, so a slow clock still reads it

    _HIT = """
local e = tonumber(redis.call('HGET', KEYS[1], 'e'))
local now = tonumber(ARGV[1])
if e == nil or e <= now then
  redis.call('HSET', KEYS[1], 'c', 1, 'e', ARGV[2])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 1
end
return redis.call('HINCRBY', KEYS[1], 'c', 1)
"""
    _GIVE_BACK = """
local e = tonumber(redis.call('HGET', KEYS[1], 'e'))
if e ~= nil and e > tonumber(ARGV[1]) and tonumber(redis.call('HGET', KEYS[1], 'c')) > 0 then
  redis.call('HINCRBY', KEYS[1], 'c', -1)
end
return 0
"""

    def __init__(self, url: str, namespace: str = "govhall:limit:") -> None:
        import redis  # only where Redis is used

        # bounded waits: with Redis unreachable a sign-in fails in seconds (and /readyz says
        # so) instead of hanging its worker
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.namespace = namespace
        self._hit = self.client.register_script(self._HIT)
        self._give_back = self.client.register_script(self._GIVE_BACK)

    def _key(self, key: str) -> str:
        return self.namespace + key

    def hit(self, key: str, window: float, now: float) -> int:
        # the end of the window as Python's exact text (Lua's tostring keeps 14 digits only)
        ends = repr(float(now + window))
        return int(self._hit(keys=[self._key(key)], args=[repr(float(now)), ends, math.ceil(window) + self.MARGIN]))

    def give_back(self, keys: Sequence[str], now: float) -> None:
        for key in keys:  # each key one atomic step, as in the database
            self._give_back(keys=[self._key(key)], args=[repr(now)])

    def counts(self, keys: Sequence[str], now: float) -> list[int]:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(self._key(key), "c", "e")
        found = []
        for count, ends in pipe.execute():
            found.append(int(count) if count is not None and ends is not None and float(ends) > now else 0)
        return found

    def reset(self, keys: Sequence[str]) -> None:
        self.client.delete(*(self._key(key) for key in keys))

    def reset_prefix(self, prefix: str) -> None:
        pattern = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in self._key(prefix)) + "*"
        batch = []
        for name in self.client.scan_iter(match=pattern, count=500):
            batch.append(name)
            if len(batch) >= 500:
                self.client.delete(*batch)
                batch = []
        if batch:
            self.client.delete(*batch)

    def ping(self) -> bool:
        return bool(self.client.ping())


_backend: Counter | None = None


def backend() -> Counter:
    """The store every count goes to: ``settings.GOVHALL_LIMITS`` (``db`` or ``redis``),
    made on first use."""
    global _backend
    if _backend is None:
        from django.conf import settings

        if getattr(settings, "GOVHALL_LIMITS", "db") == "redis":
            _backend = RedisCounter(settings.GOVHALL_REDIS_URL)
        else:
            _backend = DatabaseCounter()
    return _backend


# --------------------------------------------------------------------------- the callers' face


def hit(key: str, window_seconds: float) -> int:
    """Count one event under ``key`` and return the count in the current window, which
    opens at the window's first event and lasts ``window_seconds``."""
    return backend().hit(key, window_seconds, clock())


def give_back(*keys: str) -> None:
    """Take back one event from each of ``keys`` (an attempt that turned out not to count:
    a success, or one refused before it was checked)."""
    if keys:
        backend().give_back(keys, clock())


def counts(*keys: str) -> list[int]:
    """The current counts of ``keys`` (0 where nothing was counted or the window ended)."""
    return backend().counts(keys, clock()) if keys else []


def reset(*keys: str) -> None:
    if keys:
        backend().reset(keys)


def reset_prefix(prefix: str) -> None:
    """Forget every key under ``prefix`` (``key_for(kind, a)`` is the prefix of all
    ``key_for(kind, a, …)``): an administrator lifts an account's locks from every address."""
    if not prefix or ":" not in prefix:
        raise ValueError("a prefix of a kind and at least one value")
    backend().reset_prefix(prefix)


@dataclass(frozen=True)
class Limit:
    """At most ``most`` events under ``key`` per window of ``seconds``."""

    key: str
    most: int
    seconds: float


def take(*wanted: Limit) -> Limit | None:
    """Count one event under each limit in turn. The first one past its ``most`` stops it:
    every count this call took is given back and that limit is returned (the caller
    refuses); None when all had room (the caller goes on, and gives the counts back with
    :func:`give_back` if the event turns out not to count)."""
    taken: list[str] = []
    for limit in wanted:
        taken.append(limit.key)
        if hit(limit.key, limit.seconds) > limit.most:
            give_back(*taken)
            return limit
    return None
