"""Filing capacity of one node: full filings per second (create + one upload per required
material + submit, through the API) with the load generator on the same machine, against a
province's peak of 45 filings a second (Guangdong: 11.2 million cases in a month).

    DATABASE_URL=postgres://govhall:govhall@127.0.0.1:5432/govhall_load \\
        .venv/bin/python bench/filing.py [--clients 8] [--seconds 30] [--workers 2] [--threads 1]

Serves the project with gunicorn on 127.0.0.1 (production settings, notifications enqueued
for the task worker, which is not run), and has --clients applicants (bench/submit.py's
accounts, one bearer token each) file 个体工商户设立登记 in a loop without think time for
--seconds, after a warm-up. Prints filings/s, the latency of a whole filing, and what bounds
it: the gunicorn workers' CPU per filing and PostgreSQL's (every ``postgres`` process on the
machine, so other users of the server count too), the clients' own CPU, and the filings a
second those CPU costs allow on this machine's cores if the node had them to itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import serve, setup_django
from catalog_search import percentile
from submit import Client, cores, pdf_bytes, prepare, run_phase

PEAK = 45  # filings a second, a province's peak


def postgres_cpu() -> float | None:
    """CPU seconds used so far by every process named postgres (Linux /proc)."""
    total = 0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            if name.startswith("postgres"):
                fields = stat.rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=cores())
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    setup_django("bench-filing")
    from django.db import connection

    from govhall.cases.models import Case

    tokens = prepare(args.clients)
    pdf = pdf_bytes()
    before = Case.objects.count()
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + uuid.uuid4().hex,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "GOVHALL_TASKS": "db",
    }
    with serve(env=env, workers=args.workers, threads=args.threads) as server:
        clients = [Client(server.base, t) for t in tokens]
        for c in clients:  # warm up every worker
            c.file_case(pdf)
        filings: list[float] = []

        def file_one(client: Client) -> None:
            started = time.perf_counter()
            client.file_case(pdf)
            filings.append((time.perf_counter() - started) * 1000)

        workers0, pg0, own0, load = server.workers_cpu(), postgres_cpu(), time.process_time(), os.getloadavg()
        began = time.perf_counter()
        phase = run_phase(server, clients, args.seconds, file_one)  # bench/submit.py's client loop
        elapsed = time.perf_counter() - began
        workers1, pg1, own1 = server.workers_cpu(), postgres_cpu(), time.process_time()
    done = len(filings)
    requests = sum(c.requests for c in clients)
    rate = done / elapsed
    print(
        f"database: {connection.vendor}, {before:,} cases before the run; gunicorn {args.workers} workers x "
        f"{args.threads} threads; {args.clients} clients without think time for {args.seconds:.0f}s; "
        f"load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; machine CPU busy {phase.busy}"
    )
    print(
        f"filings: {done} in {elapsed:.1f}s = {rate:.1f} filings/s ({requests / elapsed:.1f} requests/s, "
        f"{requests / max(done, 1):.1f} requests a filing), {phase.failures} failures"
    )
    if filings:
        print(
            f"a filing's latency: p50 {statistics.median(filings):.0f} ms, p95 {percentile(filings, 95):.0f} ms "
            f"(per request p50 {percentile(phase.latencies, 50):.0f} ms)"
        )
    costs = []
    if workers0 is not None and workers1 is not None and done:
        costs.append(("gunicorn workers", 1000 * (workers1 - workers0) / done))
    if pg0 is not None and pg1 is not None and done:
        costs.append(("PostgreSQL (all its processes)", 1000 * (pg1 - pg0) / done))
    if done:
        costs.append(("load generator", 1000 * (own1 - own0) / done))
    for label, ms in costs:
        print(f"  CPU per filing, {label}: {ms:.1f} ms")
    server_ms = sum(ms for label, ms in costs if label != "load generator")
    if server_ms:
        ceiling = cores() * 1000 / server_ms
        print(
            f"on {cores()} cores to itself (no load generator, nobody else), the CPU above allows "
            f"~{ceiling:.0f} filings/s; province peak {PEAK}/s: {'met' if rate >= PEAK else 'not met'} as measured, "
            f"{ceiling / PEAK:.2f}x the peak at the CPU ceiling"
        )


if __name__ == "__main__":
    main()
