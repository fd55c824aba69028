"""What the benchmarks share: Django set-up on a benchmark database, and a gunicorn server
on loopback for the duration of a measurement."""

from __future__ import annotations

import contextlib
import dataclasses
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


@dataclasses.dataclass(frozen=True)
class Server:
    base: str  # the API's base URL
    pid: int  # gunicorn's master process

    def workers_cpu(self) -> float | None:
        """CPU seconds the workers (the master's children) have used, where /proc exists.
        Less sensitive than throughput to what else the machine is running."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            total = 0
            for child in children:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (after pid, comm)
        except (OSError, ValueError, IndexError):
            return None
        return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve(*, env: dict[str, str], workers: int = 1, threads: int = 1) -> Iterator[Server]:
    """Run gunicorn with ``env`` added to this process's environment; yield it as a Server."""
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
        yield Server(base, server.pid)
    finally:
        server.terminate()
        server.wait(10)
