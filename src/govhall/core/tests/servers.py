"""Real servers for the tests of the multi-node stores: Debian's ``redis-server`` and moto's
S3 server (a dev dependency), each on a free port of 127.0.0.1, stopped at the end.

Where ``redis-server`` is missing the tests that need it skip, except when
``GOVHALL_REQUIRE_SERVERS=1`` (``.ci/run`` sets it and installs the package): then they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _missing(what: str):
    if os.environ.get("GOVHALL_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{what} is required here (GOVHALL_REQUIRE_SERVERS=1)")
    pytest.skip(f"{what} is not installed (apt-get install redis-server)")


def _wait(predicate, process, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            if predicate():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {seconds} s")


@contextlib.contextmanager
def redis_server():
    """Yields a redis:// URL of a fresh, memory-only redis-server."""
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        _wait(client.ping, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def moto_server():
    """Yields the endpoint URL of moto's S3 server (in memory)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).status == 200, process, "moto")  # noqa: S310
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)
