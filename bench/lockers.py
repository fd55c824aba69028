"""Open-code checks per second through the cabinet API (``POST /api/v1/lockers/cabinet/open``,
signed) from many cabinets at once, next to a bare endpoint on the same server in the same
run; then the guessing figure of the configured code parameters (``lockers/codes.py``).

    .venv/bin/python bench/lockers.py [--cabinets 16] [--procs 2] [--seconds 5] [--rounds 3]
    .venv/bin/python bench/lockers.py --seconds 20 --rounds 5 --poll      # longer, and a third phase
    DATABASE_URL=postgres://... .venv/bin/python bench/lockers.py          # on PostgreSQL

Serves the project with gunicorn (``--workers`` sync processes, one per core by default) on
127.0.0.1. ``--cabinets`` cabinets of one site, each signing with its own secret (derived from
the server key and the cabinet's salt, as in production), are driven by ``--procs`` client
processes with one thread per cabinet. Bare phase: every cabinet thread calls GET
/api/v1/ping in a loop. Open phase: every cabinet thread sends signed open requests with codes
of the configured length, almost all wrong (403 code_refused) and a few right ones (a
drop-off reservation of that cabinet: 200, the door, the cell occupied, the case's timeline
written), spread over the phase. The phases alternate for ``--rounds`` rounds; ``--poll`` adds
a phase of signed ``POST /cabinet/poll`` (signature, nonce and a small transaction without a
code check), to tell the signature's cost from the code check's.

Every code must really be checked, so the server runs with lockout tiers of the configured
shape (two per cabinet, two per source: the same four counts per request) whose limits
cannot be reached; ``--real-lockout`` keeps the configured ones instead (then almost every
answer is 429 code_entry_locked, the cheaper refusal). The right codes come from cases of a
bench applicant kept in the benchmark database and reused by the next run (their old
reservation is cancelled or collected, the originals asked for again, a new cell reserved):
the first run makes them (about 0.3 s each). The server's own output (a django.request
warning for every refused code) goes to ``--log``, var/bench-lockers-server.log.

Prints requests/s (median of rounds), p50/p95 latency, the gunicorn workers' CPU per request,
the ratio open/bare (median of the rounds' ratios; target >= 0.5) and the break-in figure
of the configured parameters next to the issue's naive one.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import Server, serve, setup_django
from catalog_search import percentile

OPEN = "/api/v1/lockers/cabinet/open"
POLL = "/api/v1/lockers/cabinet/poll"
PING = "/api/v1/ping"
BENCH_USER = "bench-lockers"
UNREACHABLE = 10**9  # a lockout limit no run reaches: every code is counted and checked


# --------------------------------------------------------------------------- preparation (Django)


def prepare(cabinets: int, per_cabinet: int) -> tuple[list[tuple[str, str]], dict[str, list[str]], int]:
    """Migrate, load the demo, make (or reuse) the bench site with ``cabinets`` cabinets of
    ``per_cabinet`` small cells each, and reserve every cell for a bench case through the
    services. Returns the cabinets (code, secret), the right codes per cabinet, and how many
    cases had to be made."""
    from django.core.management import call_command

    from govhall.accounts import demo as accounts_demo
    from govhall.accounts.models import Applicant, User
    from govhall.accounts.validators import id_number_check_char
    from govhall.cases.models import Case
    from govhall.cases.tests import factories as f
    from govhall.catalog import demo as catalog_demo
    from govhall.lockers import codes, selectors, services
    from govhall.lockers.models import LockerSite
    from govhall.lockers.tests import factories as lf
    from govhall.lockers.workflow import Kind, ParcelState

    call_command("migrate", verbosity=0)
    catalog_demo.load()
    accounts_demo.load()
    user, created = User.objects.get_or_create(username=BENCH_USER, defaults={"display_name": "压测信包箱"})
    if created:
        body = "61010419900101999"
        Applicant.objects.create(
            user=user,
            kind="natural",
            name="压测信包箱",
            id_number=body + id_number_check_char(body),
            phone="13800009999",
        )
    clerk = f.user("clerk")

    # One site per shape, so a run with other flags never finds cells of the wrong count.
    site_code = f"BENCH-{cabinets}X{per_cabinet}"
    site = LockerSite.objects.filter(code=site_code).first()
    if site is None:
        site, _ = lf.site(site_code, layout={"S": per_cabinet}, cabinets=0, name=f"压测点位{site_code}")
    have = {c.code for c in site.cabinets.all()}
    for i in range(cabinets):
        code = f"{site_code}-{i:02d}"
        if code not in have:
            services.cabinet_create(site=site, code=code, name=f"{i:02d}柜", layout={"S": per_cabinet})
    found = [c for c in selectors.cabinets_of(site) if c.code.startswith(site_code + "-")][:cabinets]
    # The secret each cabinet signs with, derived as the server derives it (same key: the
    # server inherits GOVHALL_LOCKER_KEY from this process's environment).
    cabinet_secrets = [(c.code, codes.cabinet_secret(c.code, c.secret_salt)) for c in found]

    needed = cabinets * per_cabinet
    cases = list(Case.objects.filter(applicant__user=user).order_by("id")[:needed])
    made = 0
    while len(cases) < needed:
        cases.append(f.submitted(username=BENCH_USER))
        made += 1
    # Free every cell first (a reservation of the last run: its code is gone; papers dropped
    # by the last run: staff collect them), then reserve one per case: the cells fill cabinet
    # by cabinet, door by door, so each cabinet ends up with per_cabinet live codes.
    for case in cases:
        live = selectors.live_parcel(case, Kind.DROPOFF)
        if live is not None and live.status == ParcelState.RESERVED:
            services.dropoff_cancel(case=case.number, actor=user)
        elif live is not None and live.status == ParcelState.DROPPED:
            services.dropoff_collect(case=case.number, actor=clerk, comment="压测收件")
    right: dict[str, list[str]] = {code: [] for code, _ in cabinet_secrets}
    for case in cases:
        if selectors.dropoff_refusal(case) is not None:
            services.originals_request(case=case.number, actor=clerk, comment="压测：纸质原件")
        issued = services.dropoff_reserve(case=case.number, actor=user, site=site.code, size="S")
        right[issued.parcel.cabinet.code].append(issued.code)
    return cabinet_secrets, right, made


# --------------------------------------------------------------------------- the clients (no Django)


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """docs/lockers.md's canonical string, written out here independently of codes.py."""
    canonical = "\n".join([method, path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


@dataclasses.dataclass
class Cab:
    code: str
    secret: str
    right: list[str]  # right codes to send in this phase, spread over it


def _request(host: str, port: int, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def client_phase(
    base: str, kind: str, cabs: list[Cab], start_at: float, stop_at: float, digits: int, lockout: bool
) -> dict:
    """One client process's share of a phase: a thread per cabinet from ``start_at`` to
    ``stop_at`` (wall clock, the same for every process). Returns counts and latencies."""
    url = urllib.parse.urlsplit(base)
    host, port = url.hostname, url.port
    lock = threading.Lock()
    result = {"requests": 0, "latencies": [], "statuses": Counter(), "failures": [], "opened": 0, "right_sent": 0}

    def loop(cab: Cab) -> None:
        latencies, statuses, failures = [], Counter(), []
        opened = right_sent = 0
        due = [start_at + (i + 0.5) * (stop_at - start_at) / len(cab.right) for i in range(len(cab.right))]
        pending = list(cab.right)
        while time.time() < start_at:
            time.sleep(0.001)
        while time.time() < stop_at:
            if kind == "bare":
                method, path, body, headers, right = "GET", PING, b"", {}, False
            else:
                method, path = "POST", (OPEN if kind == "open" else POLL)
                right = kind == "open" and bool(pending) and time.time() >= due[len(cab.right) - len(pending)]
                if kind == "open":
                    code = pending.pop(0) if right else f"{secrets.randbelow(10**digits):0{digits}d}"
                    body = json.dumps({"code": code, "terminal": "keypad"}).encode()
                else:
                    body = b"{}"
                timestamp, nonce = str(int(time.time())), secrets.token_hex(12)
                headers = {
                    "Content-Type": "application/json",
                    "X-Locker-Cabinet": cab.code,
                    "X-Locker-Timestamp": timestamp,
                    "X-Locker-Nonce": nonce,
                    "X-Locker-Signature": sign(cab.secret, method, path, timestamp, nonce, body),
                }
            started = time.perf_counter()
            try:
                status, payload = _request(host, port, method, path, body, headers)
            except OSError as exc:
                failures.append(f"{path}: {exc}")
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1
            right_sent += right
            expected = {200} if kind != "open" else ({200} if right else {403}) | ({429} if lockout else set())
            if status == 200 and kind == "open":
                opened += 1
            if status not in expected:
                failures.append(f"{path}: {status} {payload[:200]!r}")
        with lock:
            result["requests"] += len(latencies)
            result["latencies"] += latencies
            result["statuses"] += statuses
            result["failures"] += failures
            result["opened"] += opened
            result["right_sent"] += right_sent

    threads = [threading.Thread(target=loop, args=(c,)) for c in cabs]
    cpu = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result["client_cpu"] = time.process_time() - cpu
    return result


# --------------------------------------------------------------------------- phases


@dataclasses.dataclass
class Phase:
    rps: float
    latencies: list[float]
    statuses: Counter
    failures: list[str]
    opened: int
    right_sent: int
    worker_ms: float | None  # the gunicorn workers' CPU per request
    client_ms: float  # the client processes' CPU per request


def run_phase(pool, server: Server, kind: str, shares: list[list[Cab]], seconds: float, digits: int, lockout: bool):
    start_at = time.time() + 0.3
    stop_at = start_at + seconds
    before = server.workers_cpu()
    results = pool.starmap(
        client_phase, [(server.base, kind, cabs, start_at, stop_at, digits, lockout) for cabs in shares]
    )
    after = server.workers_cpu()
    total = sum(r["requests"] for r in results)
    worker_ms = 1000 * (after - before) / total if before is not None and after is not None and total else None
    failures = [x for r in results for x in r["failures"]]
    if failures:
        print(f"  {kind}: {len(failures)} unexpected answers, first: {failures[0]}")
    return Phase(
        rps=total / seconds,
        latencies=[x for r in results for x in r["latencies"]],
        statuses=sum((r["statuses"] for r in results), Counter()),
        failures=failures,
        opened=sum(r["opened"] for r in results),
        right_sent=sum(r["right_sent"] for r in results),
        worker_ms=worker_ms,
        client_ms=1000 * sum(r["client_cpu"] for r in results) / max(total, 1),
    )


@contextlib.contextmanager
def server_log(path: str):
    """The server's stderr to a file for the duration (every refused code is a warning line
    of django.request, thousands a run): gunicorn inherits this process's descriptor 2."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with target.open("ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield target
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cabinets", type=int, default=16, help="cabinets signing at once (one client thread each)")
    parser.add_argument("--procs", type=int, default=2, help="client processes the cabinets are spread over")
    parser.add_argument("--seconds", type=float, default=5, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="the phases alternate this many times")
    parser.add_argument("--right", type=int, default=1, help="right codes per cabinet per round (the rest are wrong)")
    parser.add_argument("--workers", type=int, default=cores(), help="gunicorn worker processes (one per core)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    parser.add_argument(
        "--log",
        default=str(Path(__file__).resolve().parent.parent / "var" / "bench-lockers-server.log"),
        help="where the server's own output goes",
    )
    parser.add_argument("--poll", action="store_true", help="also a phase of signed /cabinet/poll requests")
    parser.add_argument(
        "--real-lockout", action="store_true", help="serve with the configured lockout (most answers become 429)"
    )
    args = parser.parse_args()
    # Both this process (which derives the cabinets' secrets and makes the right codes) and
    # the server (which checks them) use these keys.
    os.environ["SECRET_KEY"] = "bench-only-secret-key-" + uuid.uuid4().hex
    os.environ["GOVHALL_LOCKER_KEY"] = "bench-only-locker-key-" + uuid.uuid4().hex
    setup_django("bench-lockers")
    from django.db import connection

    from govhall.lockers import codes

    started = time.perf_counter()
    cabinet_secrets, right, made = prepare(args.cabinets, args.right * args.rounds)
    prepared = time.perf_counter() - started
    vendor = connection.vendor
    connection.close()
    digits = codes.digits()

    env = {
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "GOVHALL_TASKS": "db",  # notifications wait for `manage.py db_worker` (not run here), as in production
    }
    if not args.real_lockout:
        shape = lambda tiers: ",".join(f"{UNREACHABLE}/{t.seconds}" for t in tiers)  # noqa: E731
        env["GOVHALL_LOCKER_CABINET_LOCKOUT"] = shape(codes.cabinet_tiers())
        env["GOVHALL_LOCKER_SOURCE_LOCKOUT"] = shape(codes.source_tiers())

    kinds = ["bare", "open"] + (["poll"] if args.poll else [])
    phases: dict[str, list[Phase]] = {k: [] for k in kinds}
    procs = max(1, min(args.procs, args.cabinets))
    with (
        multiprocessing.get_context("spawn").Pool(procs) as pool,
        server_log(args.log) as log,
        serve(env=env, workers=args.workers, threads=args.threads) as server,
    ):
        # warm every worker up on both paths (a wrong code each: no right code is spent)
        warm = [[Cab(code, secret, []) for code, secret in cabinet_secrets[i::procs]] for i in range(procs)]
        run_phase(pool, server, "bare", warm, 1, digits, args.real_lockout)
        run_phase(pool, server, "open", warm, 1, digits, args.real_lockout)
        for r in range(args.rounds):
            # this round's right codes: args.right of each cabinet's
            shares = [
                [
                    Cab(code, secret, right[code][r * args.right : (r + 1) * args.right])
                    for code, secret in cabinet_secrets[i::procs]
                ]
                for i in range(procs)
            ]
            # Alternating short phases: a shared machine's load changes over a run, and the
            # phases of one round see the same conditions.
            for kind in kinds:
                phases[kind].append(run_phase(pool, server, kind, shares, args.seconds, digits, args.real_lockout))

    print(
        f"database: {vendor}, cabinets: {args.cabinets} in {procs} client processes, gunicorn: {args.workers} "
        f"workers x {args.threads} threads, {args.rounds} rounds of {args.seconds:.0f}s per phase "
        f"(prepared in {prepared:.0f}s, {made} bench cases made)"
    )
    print(f"server log (a django.request warning per refused code): {log}")
    print(
        "lockout on the server: "
        + (
            "the configured tiers"
            if args.real_lockout
            else "the configured tiers' shape with unreachable limits (every code counted 4 times and checked)"
        )
    )
    labels = {
        "bare": "bare  GET /ping             ",
        "open": "open  POST /cabinet/open    ",
        "poll": "poll  POST /cabinet/poll    ",
    }
    for kind in kinds:
        runs = phases[kind]
        lat = [x for p in runs for x in p.latencies]
        rps = statistics.median(p.rps for p in runs)
        worker = [p.worker_ms for p in runs if p.worker_ms is not None]
        client_ms = statistics.median(p.client_ms for p in runs)
        worker_text = f"  server CPU {statistics.median(worker):.2f} ms/req" if worker else ""
        print(
            f"{labels[kind]} {rps:8.1f} req/s (median)  p50 {percentile(lat, 50):6.1f} ms  "
            f"p95 {percentile(lat, 95):6.1f} ms{worker_text}  clients {client_ms:.2f} ms CPU/req"
        )
    opened = sum(p.opened for p in phases["open"])
    sent = sum(p.right_sent for p in phases["open"])
    statuses = sum((p.statuses for p in phases["open"]), Counter())
    checks = sum(statuses.values())
    print(
        f"  open: {checks} codes sent, answers {dict(sorted(statuses.items()))}; "
        f"{sent} right codes sent, {opened} doors opened ({100 * sent / max(checks, 1):.1f}% right)"
    )
    failures = sum(len(p.failures) for k in kinds for p in phases[k])
    if failures:
        print(f"  {failures} unexpected answers in all")
    ratios = sorted(o.rps / b.rps for b, o in zip(phases["bare"], phases["open"], strict=True))
    print(
        f"ratio open/bare throughput: {statistics.median(ratios):.2f} median of rounds "
        f"({', '.join(f'{r:.2f}' for r in ratios)})  (target >= 0.5)"
    )
    if args.poll:
        poll = sorted(p.rps / b.rps for b, p in zip(phases["bare"], phases["poll"], strict=True))
        print(f"ratio poll/bare throughput: {statistics.median(poll):.2f} median of rounds")
    print("guessing (lockers/codes.py, the configured parameters):")
    for line in codes.break_in_report().splitlines():
        print("  " + line)


if __name__ == "__main__":
    main()
