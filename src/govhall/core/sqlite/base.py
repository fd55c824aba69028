"""SQLite whose write transactions wait for their turn instead of sleeping in SQLite's
busy handler.

SQLite admits one writer at a time. The others wait in its busy handler, which sleeps 1,
2, 5, 10, 15, 20, 25, 50 then 100 ms between attempts, so a writer that finishes after
half a millisecond can leave the next one asleep for tens of milliseconds while the CPU
idles: filing cases with eight clients kept the machine a third idle, with a p95 latency
of 140 ms (docs/benchmarks.md). Here a transaction first takes a turn, held from BEGIN to
COMMIT or ROLLBACK: threads of one process queue on a lock, and processes on an advisory
lock file next to the database (``<name>.writers``), polled from a tenth of a millisecond
backing off to one (a blocking wait could not give up after the timeout, and polling
faster burned a tenth of the CPU in the benchmark).
Reads never queue (WAL lets them run beside the writer), and writes outside a transaction
keep SQLite's own busy handler.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base, creation

POLL_FIRST, POLL_MAX = 0.0001, 0.001  # seconds


class WriterTurn:
    """The turn to write to one database file, for the threads and processes that share it."""

    def __init__(self, path: str):
        self.path = path
        self.threads = threading.Lock()
        self.fd: int | None = None

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            raise OperationalError("database is locked (no turn to write within the timeout)")
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            pause = POLL_FIRST
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OperationalError("database is locked (no turn to write within the timeout)") from None
                    time.sleep(pause)
                    pause = min(pause * 2, POLL_MAX)
        except BaseException:
            self.threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_turns: dict[str, WriterTurn] = {}
_turns_lock = threading.Lock()


def _forget_turns_in_child() -> None:
    # A forked child must not share its parent's lock file description (an flock belongs to
    # the open file, not to a process) nor inherit a lock some parent thread held.
    global _turns, _turns_lock
    _turns, _turns_lock = {}, threading.Lock()


os.register_at_fork(after_in_child=_forget_turns_in_child)


def writer_turn(database: str) -> WriterTurn:
    with _turns_lock:
        if database not in _turns:
            _turns[database] = WriterTurn(f"{database}.writers")
        return _turns[database]


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name, verbosity):
        super()._destroy_test_db(test_database_name, verbosity)
        if test_database_name and not self.is_in_memory_db(test_database_name):
            # A throwaway test database's turn file goes with it (one per test process).
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{test_database_name}.writers")


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    _turn: WriterTurn | None = None

    def _start_transaction_under_autocommit(self):
        if self.is_in_memory_db():
            return super()._start_transaction_under_autocommit()
        turn = writer_turn(str(self.settings_dict["NAME"]))
        turn.acquire(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 5)))
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            turn.release()
            raise
        self._turn = turn

    def _end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._end_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._end_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._end_turn()
