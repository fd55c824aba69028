"""What the CI scripts share: a throw-away site (its own database, media and static folders,
production settings), gunicorn serving it on loopback that can be killed and started again,
and plain HTTP calls to its API.

A site lives in one folder: ``db.sqlite3`` (unless ``DATABASE_URL`` names a PostgreSQL
database), ``media/``, ``static/`` and ``server.log``. Django runs only in child processes
(``python -m <script> _prepare`` and the like), so the calling process, a pytest session
included, never opens the site's database itself.
"""

# ruff: noqa: S603, S310

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Site:
    """A site's folder and the environment every process serving or inspecting it gets."""

    folder: Path
    database_url: str = ""  # empty: SQLite in ``folder``
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.secret_key = "ci-only-" + secrets.token_hex(24)

    @property
    def media(self) -> Path:
        return self.folder / "media"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def env(self) -> dict[str, str]:
        """Production settings (DEBUG=0) on plain HTTP on loopback, the database cache that
        several workers share (as a deployment has), staff two-factor sign-in off (the demo
        accounts have no device)."""
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "govhall.settings",
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
            "GOVHALL_VAR_DIR": str(self.folder),
            "MEDIA_ROOT": str(self.media),
            "STATIC_ROOT": str(self.folder / "static"),
            "GOVHALL_CACHE": "db",
            "GOVHALL_TASKS": "immediate",
            "GOVHALL_STAFF_2FA": "0",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run_django(self, script: str, *args: str, timeout: float = 600) -> dict:
        """Run ``script`` (a path) with ``args`` in a child process on this site; it prints
        one JSON object as its last line of output, which is returned."""
        done = subprocess.run(
            [PYTHON, script, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{Path(script).name} {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}"
            )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"{Path(script).name} {' '.join(args)} printed no JSON:\n{done.stdout[-2000:]}")
        return json.loads(lines[-1])

    def manage(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=timeout
        )


def prepare_in_process(*, applicants: int = 0, demo_cases: bool = False) -> dict:
    """Inside a child process with a site's environment: migrate, create the cache table,
    collect static files (DEBUG=0 serves them from the manifest), load the demo (catalogue
    and accounts; with ``demo_cases`` also the demo's cases, as ``load_demo`` does), and
    make ``applicants`` extra applicant accounts. Returns their usernames and password."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    if demo_cases:
        call_command("load_demo", verbosity=0)
    else:
        from govhall.accounts import demo as accounts_demo
        from govhall.catalog import demo as catalog_demo

        catalog_demo.load()
        accounts_demo.load()
    from govhall.accounts.models import Applicant, User
    from govhall.accounts.validators import id_number_check_char

    password = "ci-" + secrets.token_hex(8)
    names = []
    for i in range(applicants):
        username = f"ci{i:03d}"
        user, _ = User.objects.get_or_create(username=username, defaults={"display_name": f"测试{i}"})
        user.set_password(password)
        user.save()
        body = f"61010419900101{i:03d}"
        Applicant.objects.get_or_create(
            user=user,
            defaults={
                "kind": "natural",
                "name": f"测试{i}",
                "id_number": body + id_number_check_char(body),
                "phone": f"1390000{i:04d}",
            },
        )
        names.append(username)
    return {"applicants": names, "password": password}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving a site with ``workers`` sync workers, in its own process group so
    that the master and its workers can be killed together."""

    def __init__(
        self, site: Site, *, workers: int = 2, port: int | None = None, timeout: int = 60, extra: tuple[str, ...] = ()
    ):
        self.site = site
        self.extra = extra  # more gunicorn options
        self.workers = workers
        self.port = port or free_port()
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base = self.origin + "/api/v1"

    def start(self, wait: float = 90) -> None:
        log = self.site.log.open("ab")
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "govhall.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "--timeout",
                str(self.timeout),
                "--log-level",
                "warning",
                *self.extra,
            ],
            cwd=ROOT,
            env=self.site.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.site.log}")
            try:
                with urllib.request.urlopen(self.base + "/ping", timeout=2) as response:
                    response.read()
                # every worker up, not only the first to answer
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer at {self.base}/ping within {wait:.0f}s; see {self.site.log}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker; the master starts another."""
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once (a power cut, an OOM kill)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)
        # wait until the port is free of the dead workers' sockets
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(self.process.pid):
            time.sleep(0.05)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class HTTPFailure(Exception):
    def __init__(self, status: int, body: bytes, what: str):
        super().__init__(f"{what}: {status} {body[:300]!r}")
        self.status = status
        self.body = body


def call(
    base: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, dict]:
    """One request; (status, JSON answer) for a 2xx, HTTPFailure for any other status,
    OSError (URLError, ConnectionResetError, RemoteDisconnected...) when no answer came."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if content_type:
        sent["Content-Type"] = content_type
    request = urllib.request.Request(base + path, data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            return response.status, (json.loads(payload) if payload else {})
    except urllib.error.HTTPError as exc:
        raise HTTPFailure(exc.code, exc.read(), f"{method} {path}") from None


def token_for(base: str, username: str, password: str) -> str:
    _, answer = call(
        base,
        "POST",
        "/auth/token",
        body=json.dumps({"username": username, "password": password}).encode(),
        content_type="application/json",
    )
    return answer["token"]


def multipart(fields: dict[str, str], filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
