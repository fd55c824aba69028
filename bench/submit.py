"""Throughput of filing a case through the API (create + upload materials + submit) with N
concurrent clients, next to a bare JSON endpoint on the same server in the same run.

    .venv/bin/python bench/submit.py [--clients 8] [--seconds 15] [--workers 2]
    DATABASE_URL=postgres://... .venv/bin/python bench/submit.py      # on PostgreSQL

Serves the project with gunicorn (``--workers`` sync processes, one per core by default) on 127.0.0.1.
Each client is a distinct applicant with its own bearer token. Bare phase: every client
calls /api/v1/ping in a loop. Submit phase: every client files cases of 个体工商户设立登记:
POST /cases, one POST /cases/{n}/materials per required material (a real ~2 KB PDF),
POST /cases/{n}/submit. The phases alternate for ``--rounds`` rounds. Prints requests/s
(median of rounds), p50/p95 latency, the machine's CPU use, and the ratio of the submit
path's request throughput to the bare one (median of the rounds' ratios). Target: >= 0.3.
Also the gunicorn workers' own CPU per request in each phase, the figure to compare
changes by on a shared machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import Server, serve, setup_django
from catalog_search import percentile

# 个体工商户设立登记: an application form and an identity proof
ITEM = "000101004000-610104000000-000-11610104LH0000001G-1-00"
FORM = {"经营场所": "西安市莲湖区西大街88号", "经营范围": "日用百货零售", "组成形式": "个人经营"}


def prepare(clients: int) -> list[str]:
    """Migrate, load the demo, and give each client an applicant account and a token."""
    from django.core.management import call_command

    from govhall.accounts import demo as accounts_demo
    from govhall.accounts.models import Applicant, User
    from govhall.accounts.services import token_create
    from govhall.accounts.validators import id_number_check_char
    from govhall.catalog import demo as catalog_demo

    call_command("migrate", verbosity=0)
    catalog_demo.load()
    accounts_demo.load()
    tokens = []
    for i in range(clients):
        username = f"bench{i:03d}"
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": f"压测{i}"})
        if created:
            user.set_password("bench-password")
            user.save()
        body = f"61010419900101{i:03d}"  # region, birth date, sequence: 17 digits
        Applicant.objects.get_or_create(
            user=user,
            defaults={
                "kind": "natural",
                "name": f"压测{i}",
                "id_number": body + id_number_check_char(body),
                "phone": f"1380000{i:04d}",
            },
        )
        tokens.append(token_create(username=username, password="bench-password"))
    return tokens


def pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "govhall bench material " + "x" * 200)
    page.save()
    return buffer.getvalue()


class Client:
    def __init__(self, base: str, token: str):
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.latencies: list[float] = []
        self.requests = 0
        self.errors = 0
        self.cases = 0

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> dict:
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            self.errors += 1
            raise RuntimeError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from None
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.requests += 1
        return json.loads(payload) if payload else {}

    def ping(self) -> None:
        self.call("GET", "/ping")

    def file_case(self, pdf: bytes) -> None:
        body = {"item_code": ITEM, "form": FORM}
        created = self.call("POST", "/cases", json.dumps(body, ensure_ascii=False).encode(), "application/json")
        number = created["number"]
        for entry in created["checklist"]:
            if entry["required"] and not entry["supplied"]:
                body, content_type = multipart({"requirement_id": str(entry["requirement_id"])}, pdf)
                self.call("POST", f"/cases/{number}/materials", body, content_type)
        submitted = self.call("POST", f"/cases/{number}/submit", b"", "application/json")
        assert submitted["state"] == "submitted", submitted["state"]
        self.cases += 1


def multipart(fields: dict[str, str], pdf: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="material.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + pdf
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine, where /proc/stat exists."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy(before, after) -> str:
    if before is None or after is None or after[1] == before[1]:
        return "n/a"
    return f"{100 * (after[0] - before[0]) / (after[1] - before[1]):.0f}%"


@dataclasses.dataclass
class Phase:
    rps: float
    latencies: list[float]
    failures: int
    cases: int
    busy: str
    worker_ms: float | None  # the server workers' CPU per request


def run_phase(server: Server, clients: list[Client], seconds: float, work) -> Phase:
    for c in clients:
        c.latencies, c.requests, c.errors, c.cases = [], 0, 0, 0
    stop = time.perf_counter() + seconds
    failures: list[str] = []

    def loop(client: Client) -> None:
        while time.perf_counter() < stop:
            try:
                work(client)
            except Exception as exc:
                failures.append(str(exc))

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    ticks = cpu_ticks()
    workers_cpu = server.workers_cpu()
    client_cpu = time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    busy = cpu_busy(ticks, cpu_ticks())
    workers_after = server.workers_cpu()
    client_cpu = time.process_time() - client_cpu
    if failures:
        print(f"  {len(failures)} failures, first: {failures[0]}")
    total = sum(c.requests for c in clients)
    # CPU per request: all of the machine's busy time, and the part the clients used themselves.
    busy += f", clients {1000 * client_cpu / max(total, 1):.2f} ms CPU/req"
    worker_ms = None
    if workers_cpu is not None and workers_after is not None and total:
        worker_ms = 1000 * (workers_after - workers_cpu) / total
    return Phase(
        total / elapsed,
        [x for c in clients for x in c.latencies],
        len(failures),
        sum(c.cases for c in clients),
        busy,
        worker_ms,
    )


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="bare and submit phases alternate this many times")
    parser.add_argument("--workers", type=int, default=cores(), help="gunicorn worker processes (one per core)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    args = parser.parse_args()
    setup_django("bench-submit")
    from django.db import connection

    tokens = prepare(args.clients)
    pdf = pdf_bytes()
    from govhall.cases.models import Case

    # The database keeps the cases of earlier runs (as a hall's does), and filing slows a
    # little as it grows: the count makes runs comparable.
    cases_before = Case.objects.count()
    # Production settings (DEBUG=0: no per-query debug recording), plain HTTP on loopback;
    # notifications are enqueued for `manage.py db_worker` (not run here), as in production.
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + uuid.uuid4().hex,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "GOVHALL_TASKS": "db",
    }
    bare: list[Phase] = []
    path: list[Phase] = []
    with serve(env=env, workers=args.workers, threads=args.threads) as server:
        clients = [Client(server.base, t) for t in tokens]
        for c in clients:  # warm up every worker
            c.file_case(pdf)
            c.ping()
        # Alternating short phases: a shared machine's load changes over a run, and both
        # figures of each round see the same conditions.
        for _ in range(args.rounds):
            bare.append(run_phase(server, clients, args.seconds, Client.ping))
            path.append(run_phase(server, clients, args.seconds, lambda c: c.file_case(pdf)))
    ratios = sorted(p.rps / b.rps for b, p in zip(bare, path, strict=True))
    print(
        f"database: {connection.vendor}, clients: {args.clients}, gunicorn: {args.workers} workers x "
        f"{args.threads} threads, {args.rounds} rounds of {args.seconds:.0f}s per phase, "
        f"{cases_before} cases in the database before the run"
    )
    for label, phases in (("bare   GET /ping              ", bare), ("submit create+2 uploads+submit", path)):
        lat = [x for p in phases for x in p.latencies]
        rps = statistics.median(p.rps for p in phases)
        print(
            f"{label} {rps:8.1f} req/s (median)  p50 {percentile(lat, 50):6.1f} ms  p95 {percentile(lat, 95):6.1f} ms"
            f"  CPU busy {phases[len(phases) // 2].busy}"
        )
    cases = sum(p.cases for p in path) / (args.rounds * args.seconds)
    print(f"  {cases:.1f} cases/s, {sum(p.failures for p in path)} failures")
    print(
        f"ratio submit/bare throughput: {statistics.median(ratios):.2f} median of rounds "
        f"({', '.join(f'{r:.2f}' for r in ratios)})  (target >= 0.3)"
    )
    # The same comparison by the server workers' CPU per request: steadier than throughput
    # on a shared machine, for judging a change (the database server's CPU is not in it).
    bare_ms = [p.worker_ms for p in bare if p.worker_ms is not None]
    path_ms = [p.worker_ms for p in path if p.worker_ms is not None]
    if bare_ms and path_ms:
        bare_ms_median, path_ms_median = statistics.median(bare_ms), statistics.median(path_ms)
        print(
            f"server workers' CPU per request: bare {bare_ms_median:.2f} ms, submit path {path_ms_median:.2f} ms "
            f"(ratio {bare_ms_median / path_ms_median:.2f})"
        )


if __name__ == "__main__":
    main()
