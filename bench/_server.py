"""What the benchmarks share: Django set-up on a benchmark database, and a gunicorn server
on loopback for the duration of a measurement."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(var_subdir: str) -> None:
    """Django on DATABASE_URL, or on its own SQLite file under var/<var_subdir>."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["GOVHALL_VAR_DIR"] = str(ROOT / "var" / var_subdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


@contextlib.contextmanager
def serve(*, env: dict[str, str], workers: int = 1, threads: int = 1) -> Iterator[str]:
    """Run gunicorn with ``env`` added to this process's environment; yield the API's base URL."""
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "govhall.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    if threads > 1:
        args += ["--threads", str(threads)]
    server = subprocess.Popen(
        [*args, "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **env},
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        wait_for(base + "/ping")
        yield base
    finally:
        server.terminate()
        server.wait(10)
