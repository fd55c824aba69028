"""The writer turn of the SQLite backend: threads and processes take it one at a time, and
a waiter gives up with "database is locked" after its timeout (as SQLite itself would)."""

import fcntl
import os
import threading
import time

import pytest
from django.db import OperationalError

from govhall.core.sqlite.base import WriterTurn


@pytest.fixture
def turn_path(tmp_path):
    return str(tmp_path / "db.sqlite3.writers")


def test_threads_take_the_turn_one_at_a_time(turn_path):
    turn = WriterTurn(turn_path)
    inside, overlaps = [0], []

    def write():
        for _ in range(20):
            turn.acquire(timeout=5)
            try:
                inside[0] += 1
                overlaps.append(inside[0])
                time.sleep(0.0005)
                inside[0] -= 1
            finally:
                turn.release()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(overlaps) == 80 and max(overlaps) == 1


def test_another_process_holding_the_turn_makes_a_waiter_time_out(turn_path):
    turn = WriterTurn(turn_path)
    turn.acquire(timeout=1)
    turn.release()
    # A second open file description stands for another process (flock belongs to it).
    other = os.open(turn_path, os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            turn.acquire(timeout=0.05)
        assert time.monotonic() - started >= 0.05
        fcntl.flock(other, fcntl.LOCK_UN)
        turn.acquire(timeout=1)  # free again, and the failed wait left nothing held
        turn.release()
    finally:
        os.close(other)


def test_a_waiting_process_gets_the_turn_when_it_is_released(turn_path):
    turn = WriterTurn(turn_path)
    other = os.open(turn_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        threading.Timer(0.02, fcntl.flock, args=(other, fcntl.LOCK_UN)).start()
        turn.acquire(timeout=2)
        turn.release()
    finally:
        os.close(other)
