"""The mixed load (bench/load/locustfile.py) at 16 and 64 users, on a small database and on a
million-case one, in one run: throughput and p50/p95 per request kind, the ratio of the 1M
latency to the small one per kind (target <= 1.2x), and the medians next to Open Zaak's
published Locust medians with 1M cases (140-310 ms; target: a third of that, <= 47-103 ms).

    .venv/bin/python bench/load/run.py \\
        --small postgres://govhall:govhall@127.0.0.1:5432/govhall_load10k \\
        --large postgres://govhall:govhall@127.0.0.1:5432/govhall_load \\
        [--small-cases 10000] [--large-cases 1000000] [--users 16 64] [--seconds 60]

For each database: fills it (bench/million.py: cases, their timelines, materials metadata and
evaluations, 10,000 published items; idempotent, so a second run only tops up), makes bearer
tokens and sessions for 200 bench applicants, the demo clerk, reviewer, chief approver and
supervisor, samples guides and progress look-ups, serves the project with gunicorn on
127.0.0.1 (production settings, GOVHALL_PROXIES=1 so that each simulated user has its own
address) and runs Locust headless for --seconds at each --users level. The preparation runs
in a child process per database (Django holds one database per process).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))
from _server import ROOT, Server, free_port, wait_for  # noqa: E402

OPEN_ZAAK_MS = (140, 310)
APPLICANT_TOKENS = 200


def prepare(cases: int, items: int, out: Path) -> None:
    """In this process (DATABASE_URL set): fill the database, write the load's config."""
    from _server import setup_django

    setup_django("bench-load")
    import million
    from catalog_search import QUERIES
    from submit import FORM, ITEM, pdf_bytes

    began = time.perf_counter()
    million.ensure_cases(cases, progress=True)
    million.ensure_items(items, progress=True)
    million.ensure_history(progress=True)
    print(f"  database ready in {time.perf_counter() - began:.0f}s", flush=True)

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from govhall.accounts.models import ApiToken, User
    from govhall.cases.models import Case
    from govhall.catalog.models import ServiceItem

    def token(user: User) -> str:
        key = uuid.uuid4().hex + uuid.uuid4().hex
        ApiToken.objects.create(
            user=user, key_hash=ApiToken.hash_key(key), expires_at=timezone.now() + dt.timedelta(hours=6)
        )
        return key

    def session(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def account(username: str) -> dict[str, str]:
        user = User.objects.get(username=username)
        return {"token": token(user), "session": session(user)}

    rng = random.Random(1)
    applicants = User.objects.filter(username__startswith="bench-applicant-").order_by("username")[:APPLICANT_TOKENS]
    codes = list(ServiceItem.objects.filter(status="published").values_list("code", flat=True))
    bench = Case.objects.filter(number__startswith="BM1-").exclude(state="draft")
    last = bench.order_by("-id").values_list("id", flat=True).first() or 0
    picks = sorted(rng.sample(range(last + 1), min(4000, last + 1)))
    progress = [
        (number, phone[-4:])
        for number, phone in bench.filter(id__in=picks).values_list("number", "applicant__phone")[:2000]
    ]
    config = {
        "applicants": [token(u) for u in applicants],
        "staff": {role: [account(role)] for role in ("clerk", "reviewer", "approver")},
        "supervisor": account("supervisor"),
        "items": rng.sample(codes, min(1000, len(codes))),
        "queries": QUERIES,
        "progress": progress,
        "filing_item": ITEM,
        "filing_form": FORM,
        "stats_start": (timezone.localdate() - dt.timedelta(days=6)).isoformat(),
        "pdf_hex": pdf_bytes().hex(),
        "cases": Case.objects.count(),
    }
    out.write_text(json.dumps(config, ensure_ascii=False))


@contextlib.contextmanager
def serve(*, env: dict[str, str], workers: int, threads: int, log: Path) -> Iterator[Server]:
    """gunicorn on 127.0.0.1 (as bench/_server.serve, with the static files collected first,
    its errors in ``log`` and a short graceful timeout: Locust leaves keep-alive connections)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **env}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "govhall.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    args += ["--threads", str(threads), "--graceful-timeout", "3", "--log-level", "warning"]
    with open(log, "a") as errors:
        server = subprocess.Popen(args, cwd=ROOT, env=env, stderr=errors)
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            wait_for(base + "/ping")
            yield Server(base, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def stats(prefix: Path) -> dict[str, dict[str, float]]:
    """Locust's CSV statistics: kind -> requests, failures, rps, p50, p95."""
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
            }
    return rows


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", required=True, help="DATABASE_URL of the small database")
    parser.add_argument("--large", required=True, help="DATABASE_URL of the million-case database")
    parser.add_argument("--small-cases", type=int, default=10_000)
    parser.add_argument("--large-cases", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--users", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=15, help="seconds of load before measuring, not counted")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "load")
    parser.add_argument("--prepare", nargs=3, metavar=("CASES", "ITEMS", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(int(args.prepare[0]), int(args.prepare[1]), Path(args.prepare[2]))
        return
    for url in (args.small, args.large):
        host = url.split("@")[-1].split("/")[0].split(":")[0]
        if host not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"the load runs on this machine only, not against {host}")
    args.out.mkdir(parents=True, exist_ok=True)
    locust = Path(sys.executable).with_name("locust")
    secret = "bench-only-secret-key-" + uuid.uuid4().hex  # the sessions made in prepare are signed with it
    results: dict[tuple[str, int], dict] = {}
    meta: dict[str, dict] = {}
    for label, url, cases in (("small", args.small, args.small_cases), ("large", args.large, args.large_cases)):
        config = args.out / f"config-{label}.json"
        print(f"== {label}: preparing {cases:,} cases on {url.rsplit('/', 1)[-1]}", flush=True)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--small",
                "-",
                "--large",
                "-",
                "--prepare",
                str(cases),
                str(args.items),
                config,
            ],
            env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret},
            check=True,
        )
        meta[label] = {"cases": json.loads(config.read_text())["cases"]}
        env = {
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": secret,
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "GOVHALL_TASKS": "db",
            "GOVHALL_PROXIES": "1",
            "GOVHALL_STAFF_2FA": "0",
            "STATIC_ROOT": str(args.out / "static"),
        }
        log = args.out / "server.log"
        with serve(env=env, workers=args.workers, threads=args.threads, log=log) as server:
            host = server.base.removesuffix("/api/v1")
            # warm-up, not counted: every worker loads its search index, templates, jieba
            for i, users in enumerate([min(args.users), *args.users]):
                warm = i == 0
                prefix = args.out / (f"{label}-warm" if warm else f"{label}-{users}")
                seconds = args.warmup if warm else args.seconds
                print(f"-- {label}, {users} users, {seconds}s (load average {loadavg()})", flush=True)
                subprocess.run(
                    [
                        locust,
                        "-f",
                        HERE / "locustfile.py",
                        "--headless",
                        "-u",
                        str(users),
                        "-r",
                        str(users),
                        "-t",
                        f"{seconds}s",
                        "--host",
                        host,
                        "--csv",
                        prefix,
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                    ],
                    env={**os.environ, "GOVHALL_LOAD_CONFIG": str(config)},
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=open(f"{prefix}.log", "w"),
                )
                if not warm:
                    results[(label, users)] = {"rows": stats(prefix), "load": loadavg()}
    report(results, meta, args)


def report(results, meta, args) -> None:
    print()
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads; small: {meta['small']['cases']:,} cases, "
        f"large: {meta['large']['cases']:,} cases; {args.seconds}s per level"
    )
    third = (OPEN_ZAAK_MS[0] / 3, OPEN_ZAAK_MS[1] / 3)
    for users in args.users:
        small, large = results[("small", users)], results[("large", users)]
        print(f"\n{users} users (load average after: small {small['load']}, large {large['load']})")
        print(
            f"{'kind':22} {'small req/s':>11} {'p50':>6} {'p95':>6} {'large req/s':>11} {'p50':>6} {'p95':>6}"
            f" {'p50 1M/10k':>10} {'p95 1M/10k':>10} {'fail':>5}"
        )
        for name in sorted(set(small["rows"]) | set(large["rows"]), key=lambda n: (n == "Aggregated", n)):
            s, lg = small["rows"].get(name), large["rows"].get(name)
            if not s or not lg:
                continue
            r50 = lg["p50"] / s["p50"] if s["p50"] else float("nan")
            r95 = lg["p95"] / s["p95"] if s["p95"] else float("nan")
            print(
                f"{name:22} {s['rps']:11.1f} {s['p50']:6.0f} {s['p95']:6.0f} {lg['rps']:11.1f} {lg['p50']:6.0f}"
                f" {lg['p95']:6.0f} {r50:10.2f} {r95:10.2f} {s['failures'] + lg['failures']:5d}"
            )
        agg = large["rows"].get("Aggregated")
        if agg:
            print(
                f"median of all requests at 1M: {agg['p50']:.0f} ms; Open Zaak 1M medians {OPEN_ZAAK_MS[0]}-"
                f"{OPEN_ZAAK_MS[1]} ms, a third: {third[0]:.0f}-{third[1]:.0f} ms"
            )
    (args.out / "results.json").write_text(
        json.dumps({f"{k[0]}-{k[1]}": v for k, v in results.items()} | {"meta": meta}, indent=1)
    )


if __name__ == "__main__":
    main()
