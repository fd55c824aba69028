"""Queue throughput: "call next" and ticket issue per second with many windows at once, next to
a bare endpoint on the same server in the same run.

    .venv/bin/python bench/queue_calls.py [--windows 16] [--seconds 5] [--rounds 3]
    DATABASE_URL=postgres://... .venv/bin/python bench/queue_calls.py          # on PostgreSQL

Serves the project with gunicorn (``--workers`` sync processes, one per core by default) on
127.0.0.1. ``--windows`` windows of one window group of the demo hall, each with its own
clerk and bearer token, are driven by one client thread each. Phases, alternating for
``--rounds`` rounds:

* bare: every thread calls GET /api/v1/ping in a loop;
* issue: every thread takes numbers at a paired kiosk, POST /api/v1/queue/kiosk/tickets
  (X-Device-Secret; a counter row locked per number);
* call: every thread is a clerk: POST /api/v1/queue/window/call-next (the next ticket of the
  group, SKIP LOCKED on PostgreSQL, a conditional UPDATE on SQLite), then frees the window with
  POST /window/tickets/{id}/actions {"action": "cancel"}; "call next/s" counts the calls.

Enough tickets wait before the first call phase (``--prefill``), so calls find one. After
the run every called ticket must have been called once (checked in the database): a
duplicate would be a failure of the concurrency rule, and the bench says so.

Prints requests/s, p50/p95 latency and the ratios issue/bare and call-next/bare (medians of
the rounds' ratios).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import threading
import time
import urllib.parse
from collections import Counter

from _server import serve, setup_django

PING = "/api/v1/ping"
ISSUE = "/api/v1/queue/kiosk/tickets"
CALL = "/api/v1/queue/window/call-next"
PASSWORD = "bench-Queue-2026!"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def prepare(windows: int, prefill: int) -> tuple[list[str], str]:
    """Migrate, load the demo, make the bench windows (group A of the demo hall, codes Q1…)
    with a clerk each, a kiosk, and ``prefill`` waiting tickets. Returns the clerks' tokens
    and the kiosk's secret."""
    from django.core.management import call_command

    from govhall.accounts import demo as accounts_demo
    from govhall.accounts.models import Hall, StaffProfile, User, Window, WindowGroup
    from govhall.accounts.roles import Role
    from govhall.accounts.services import role_groups_ensure
    from govhall.accounts.services.tokens import token_create
    from govhall.catalog import demo as catalog_demo
    from govhall.queues import services
    from govhall.queues.models import Source, State, Ticket

    call_command("migrate", verbosity=0)
    catalog_demo.load()
    accounts_demo.load()
    hall = Hall.objects.get(name="莲湖区政务服务中心")
    group = WindowGroup.objects.get(hall=hall, letter="A")
    # a fresh day's queue each run: earlier runs' open tickets are closed
    Ticket.objects.filter(hall=hall, state__in=[State.WAITING, State.CALLED, State.SERVING]).update(
        state=State.CANCELLED, window=None
    )
    groups = role_groups_ensure()
    tokens = []
    for i in range(1, windows + 1):
        window, _ = Window.objects.update_or_create(hall=hall, code=f"Q{i}", defaults={"group": group})
        user, _ = User.objects.get_or_create(username=f"bench-queue-{i}")
        user.set_password(PASSWORD)
        user.save()
        user.groups.set([groups[Role.CLERK]])
        StaffProfile.objects.update_or_create(user=user, defaults={"role": Role.CLERK, "hall": hall, "window": window})
        tokens.append(token_create(username=user.username, password=PASSWORD))
    manager = User.objects.get(username="manager")
    _, kiosk = services.device_pair(actor=manager, hall=hall, kind="kiosk", name="bench")
    for _ in range(prefill):
        services.issue(hall=hall, group=group, source=Source.KIOSK)
    return tokens, kiosk


def _request(connection, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def phase(base: str, kind: str, tokens: list[str], kiosk: str, seconds: float) -> dict:
    url = urllib.parse.urlsplit(base)
    lock = threading.Lock()
    result = {"count": 0, "requests": 0, "latencies": [], "statuses": Counter(), "failures": [], "called": []}
    start_at = time.time() + 0.3
    stop_at = start_at + seconds

    def loop(token: str) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        latencies, statuses, failures, called = [], Counter(), [], []
        count = requests = 0
        while time.time() < start_at:
            time.sleep(0.001)
        while time.time() < stop_at:
            started = time.perf_counter()
            try:
                if kind == "bare":
                    status, payload = _request(connection, "GET", PING, b"", {})
                    ok = status == 200
                elif kind == "issue":
                    body = json.dumps({"group": "A"}).encode()
                    headers = {"Content-Type": "application/json", "X-Device-Secret": kiosk}
                    status, payload = _request(connection, "POST", ISSUE, body, headers)
                    ok = status == 201
                else:
                    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                    status, payload = _request(connection, "POST", CALL, b"", auth)
                    ok = status in (200, 204)
                    if status == 200:
                        ticket = json.loads(payload)["id"]
                        called.append(ticket)
                        body = json.dumps({"action": "cancel"}).encode()
                        path = f"/api/v1/queue/window/tickets/{ticket}/actions"
                        freed, answer = _request(connection, "POST", path, body, auth)
                        requests += 1
                        if freed != 200:
                            failures.append(f"free: {freed} {answer[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                failures.append(str(exc))
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1
            count += 1
            requests += 1
            if not ok:
                failures.append(f"{kind}: {status} {payload[:200]!r}")
        connection.close()
        with lock:
            result["count"] += count
            result["requests"] += requests
            result["latencies"] += latencies
            result["statuses"] += statuses
            result["failures"] += failures
            result["called"] += called

    threads = [threading.Thread(target=loop, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result["per_second"] = result["count"] / seconds
    if result["failures"]:
        print(f"  {kind}: {len(result['failures'])} unexpected answers, first: {result['failures'][0]}")
    return result


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=16, help="windows (clerks) at once, one client thread each")
    parser.add_argument("--seconds", type=float, default=5, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prefill", type=int, default=1500, help="tickets waiting before the first call phase")
    parser.add_argument("--workers", type=int, default=cores(), help="gunicorn sync workers (one per core)")
    args = parser.parse_args()
    setup_django("bench-queue")
    from django.db import connection

    from govhall.queues.models import Ticket

    started = time.perf_counter()
    tokens, kiosk = prepare(args.windows, args.prefill)
    print(
        f"queue bench on {connection.vendor}: {args.windows} windows, {args.workers} workers, "
        f"{args.rounds} rounds of {args.seconds:g} s (prepared in {time.perf_counter() - started:.1f} s)"
    )
    rounds = []
    called: list[int] = []
    with serve(env={}, workers=args.workers) as server:
        for n in range(args.rounds):
            bare = phase(server.base, "bare", tokens, kiosk, args.seconds)
            issue = phase(server.base, "issue", tokens, kiosk, args.seconds)
            call = phase(server.base, "call", tokens, kiosk, args.seconds)
            called += call["called"]
            rounds.append((bare, issue, call))
            print(
                f"  round {n + 1}: bare {bare['per_second']:.0f}/s, issue {issue['per_second']:.0f}/s, "
                f"call next {call['per_second']:.0f}/s ({call['statuses'].get(204, 0)} found nobody waiting)"
            )
    duplicates = len(called) - len(set(called))
    in_db = Ticket.objects.filter(pk__in=called, first_called_at__isnull=False).count()

    def median(index: int, key: str = "per_second") -> float:
        return statistics.median(r[index][key] for r in rounds)

    def lat(index: int) -> tuple[float, float]:
        values = [x for r in rounds for x in r[index]["latencies"]]
        return percentile(values, 0.5), percentile(values, 0.95)

    print()
    print(f"{'':12}{'per second':>12}{'p50 ms':>10}{'p95 ms':>10}")
    for index, label in enumerate(("bare /ping", "issue", "call next")):
        p50, p95 = lat(index)
        print(f"{label:12}{median(index):>12.0f}{p50:>10.1f}{p95:>10.1f}")
    issue_ratio = statistics.median(r[1]["per_second"] / r[0]["per_second"] for r in rounds)
    call_ratio = statistics.median(r[2]["per_second"] / r[0]["per_second"] for r in rounds)
    print(
        f"ratio issue/bare {issue_ratio:.2f}, call-next/bare {call_ratio:.2f} (a call also frees its window: "
        f"2 requests per call, so requests/bare is {2 * call_ratio:.2f})"
    )
    print(
        f"calls: {len(called)}, each ticket called once: {'yes' if duplicates == 0 else f'NO, {duplicates} twice'}"
        f" ({in_db} found called in the database)"
    )
    if duplicates:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
