"""Durability: kill -9 the server while applicants file cases, then find every acknowledged
case, material and timeline event.

    .venv/bin/python scripts/durability.py                       # 30 seconds, as CI runs it
    .venv/bin/python scripts/durability.py --minutes 10          # the longer run
    .venv/bin/python scripts/durability.py --minutes 10 --database-url postgres://u:p@host/scratch
    make durability MINUTES=10

Serves a throw-away site (SQLite in a temporary folder, or the PostgreSQL database given,
which is emptied by the migrations' own tables being filled: use a scratch database) with
gunicorn (2 sync workers, DEBUG=0). ``--clients`` applicants, each with its own account and
bearer token, file cases of 个体工商户设立登记 in a loop: POST /cases, one POST
/cases/{n}/materials per required material (a PDF of its own, so every file has its own
SHA-256), POST /cases/{n}/submit. Every POST carries an Idempotency-Key; a request that gets
no answer (the server died under it, or is down) is sent again with the same key until it is
answered, so each write is acknowledged exactly once. Every 2xx answer is recorded: the case
number and the events of its timeline, the material's id and SHA-256, the submission's event.

Meanwhile a killer waits a random 2-7 seconds (``--kill-every``), waits for a request to be
in flight, and sends SIGKILL either to one worker (gunicorn's master starts another) or to
the master and every worker at once (then starts gunicorn again).

Afterwards, with the server up again, it checks that every acknowledged

- case answers GET /api/v1/cases/{n} to its owner, and is in the database;
- material is in the case's answer with its SHA-256, has its row, its file is on disk and the
  file's bytes have that SHA-256, and a material_uploaded event names that SHA-256;
- timeline event (seq, action) is in the case's answer and in the database;

that no write happened twice (one current material per requirement, one submission per case,
no case that nobody was told about while every request was answered), that ``manage.py
verify_audit`` (every case's hash chain) passes, and counts the orphaned files: stored files
that no row names (a worker killed between writing an upload and committing its row leaves
one; issue 13, item 8). With ``--strict-orphans`` they fail the run unless ``manage.py
files_sweep`` (run as if an hour had passed) removes every one of them and nothing else.

Prints the figures (acknowledged writes, kills, losses) and exits 1 on any loss.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import http.client
import io
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Gunicorn, HTTPFailure, Site, call, multipart, prepare_in_process, token_for

# 个体工商户设立登记 (natural persons): an application form and two materials
ITEM = "000101004000-610104000000-000-11610104LH0000001G-1-00"
FORM = {"经营场所": "西安市莲湖区西大街88号", "经营范围": "日用百货零售", "组成形式": "个人经营"}
# how long a client keeps re-sending one request while the server is down or restarting
RETRY_FOR = 120.0


# ----------------------------------------------------------------------------- the run


@dataclasses.dataclass
class Acknowledged:
    """What the server said it had done (2xx answers only)."""

    cases: dict[str, dict] = dataclasses.field(default_factory=dict)  # number -> {user, events, submitted}
    materials: list[dict] = dataclasses.field(default_factory=list)  # {case, id, sha256, requirement_id}
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


@dataclasses.dataclass
class Counters:
    requests: int = 0
    resent: int = 0  # requests sent again after getting no answer
    gave_up: int = 0  # requests never answered within RETRY_FOR
    unexpected: list[str] = dataclasses.field(default_factory=list)  # HTTP errors (4xx/5xx)
    in_flight: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


def pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "govhall durability material " + text)
    page.save()
    return buffer.getvalue()


class Applicant:
    def __init__(self, name: str, token: str, base: str, ack: Acknowledged, counters: Counters):
        self.name, self.token, self.base, self.ack, self.counters = name, token, base, ack, counters

    def post(self, path: str, body: bytes, content_type: str) -> dict:
        """POST with an Idempotency-Key, sent again with the same key until answered."""
        key = uuid.uuid4().hex
        deadline = time.monotonic() + RETRY_FOR
        attempt = 0
        while True:
            with self.counters.lock:
                self.counters.requests += 1
                self.counters.in_flight += 1
                if attempt:
                    self.counters.resent += 1
            try:
                _, answer = call(
                    self.base,
                    "POST",
                    path,
                    token=self.token,
                    body=body,
                    content_type=content_type,
                    headers={"Idempotency-Key": key},
                )
                return answer
            except HTTPFailure as exc:
                if exc.status in (502, 503, 504):  # a proxy would say so while the server restarts
                    pass
                else:
                    raise
            except (OSError, http.client.HTTPException):
                pass  # no answer: the worker died, or nobody listens yet
            finally:
                with self.counters.lock:
                    self.counters.in_flight -= 1
            attempt += 1
            if time.monotonic() > deadline:
                with self.counters.lock:
                    self.counters.gave_up += 1
                raise TimeoutError(f"POST {path}: no answer in {RETRY_FOR:.0f}s")
            time.sleep(min(0.05 * 2**attempt, 1.0) * random.uniform(0.5, 1.0))

    def file_case(self) -> None:
        body = json.dumps({"item_code": ITEM, "form": FORM}, ensure_ascii=False).encode()
        created = self.post("/cases", body, "application/json")
        number = created["number"]
        with self.ack.lock:
            self.ack.cases[number] = {
                "user": self.name,
                "events": [(e["seq"], e["action"]) for e in created["timeline"]],
                "submitted": False,
            }
        for entry in created["checklist"]:
            if entry["required"] and not entry["supplied"]:
                content = pdf(f"{number} {entry['requirement_id']} {uuid.uuid4().hex}")
                fields = {"requirement_id": str(entry["requirement_id"])}
                body, content_type = multipart(fields, "material.pdf", content, "application/pdf")
                material = self.post(f"/cases/{number}/materials", body, content_type)
                sha256 = hashlib.sha256(content).hexdigest()
                if material["sha256"] != sha256:
                    raise AssertionError(f"{number}: sent {sha256}, acknowledged {material['sha256']}")
                with self.ack.lock:
                    self.ack.materials.append(
                        {
                            "case": number,
                            "id": material["id"],
                            "sha256": sha256,
                            "requirement_id": entry["requirement_id"],
                        }
                    )
        submitted = self.post(f"/cases/{number}/submit", b"", "application/json")
        with self.ack.lock:
            case = self.ack.cases[number]
            case["events"].append((submitted["event"]["seq"], submitted["event"]["action"]))
            case["submitted"] = True
            case["state"] = submitted["state"]


class Killer:
    """SIGKILL at random moments with a request in flight: one worker, or the whole server."""

    def __init__(self, server: Gunicorn, counters: Counters, every: tuple[float, float], rng: random.Random):
        self.server, self.counters, self.every, self.rng = server, counters, every, rng
        self.workers_killed = 0
        self.servers_killed = 0
        self.restarts = 0
        self.log: list[str] = []

    def run(self, until: float, min_kills: int) -> None:
        """Kill until ``until``, and on past it (by at most the same length again) until
        ``min_kills`` kills were made. The first kill takes one worker, the second the whole
        server, then either at random."""
        hard_stop = until + (until - time.monotonic())
        while True:
            pause = self.rng.uniform(*self.every)
            kills = self.workers_killed + self.servers_killed
            end = until if kills >= min_kills else hard_stop
            if time.monotonic() + pause >= end:
                return
            time.sleep(pause)
            waited = time.monotonic() + 5
            while self.counters.in_flight == 0 and time.monotonic() < waited:
                time.sleep(0.002)
            time.sleep(self.rng.uniform(0, 0.03))  # somewhere inside the request
            in_flight = self.counters.in_flight
            whole = kills == 1 or (kills > 1 and self.rng.random() < 0.5)
            workers = self.server.worker_pids()
            if not whole and workers:
                self.server.kill_worker(self.rng.choice(workers))
                self.workers_killed += 1
                self.log.append(f"{time.strftime('%H:%M:%S')} kill -9 one worker ({in_flight} requests in flight)")
                # let the master notice and start another before the next kill
                deadline = time.monotonic() + 60
                while len(self.server.worker_pids()) < self.server.workers and time.monotonic() < deadline:
                    time.sleep(0.1)
                continue
            self.server.kill_all()
            self.servers_killed += 1
            self.log.append(f"{time.strftime('%H:%M:%S')} kill -9 master and workers ({in_flight} requests in flight)")
            time.sleep(self.rng.uniform(0, 1))
            self.server.start()
            self.restarts += 1


def run(
    *,
    seconds: float,
    clients: int = 4,
    workers: int = 2,
    kill_every: tuple[float, float] = (2.0, 7.0),
    min_kills: int = 3,
    database_url: str = "",
    folder: Path | None = None,
    strict_orphans: bool = False,
    seed: int | None = None,
    say=print,
) -> dict:
    """The whole test; returns the figures and the list of ``problems`` (empty: passed)."""
    seed = seed if seed is not None else random.randrange(1, 2**31)
    rng = random.Random(seed)
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="govhall-durability-"))
    site = Site(folder / "site", database_url=database_url)
    say(f"== durability: site in {site.folder} ({'PostgreSQL' if database_url else 'SQLite'}), seed {seed}")
    prepared = site.run_django(__file__, "_prepare", str(clients))
    server = Gunicorn(site, workers=workers)
    server.start()
    ack, counters = Acknowledged(), Counters()
    killer = Killer(server, counters, kill_every, rng)
    failures: list[str] = []
    try:
        tokens = {user: token_for(server.base, user, prepared["password"]) for user in prepared["applicants"]}
        say(
            f"== durability: {clients} applicants filing for {seconds:.0f}s on {workers} workers, kill -9 every "
            f"{kill_every[0]:.0f}-{kill_every[1]:.0f}s"
        )
        filing = threading.Event()
        filing.set()

        def client_loop(applicant: Applicant) -> None:
            while filing.is_set():
                try:
                    applicant.file_case()
                except HTTPFailure as exc:
                    counters.unexpected.append(str(exc))
                    time.sleep(0.5)
                except (TimeoutError, AssertionError, KeyError) as exc:
                    failures.append(f"{applicant.name}: {exc}")
                    return

        threads = [
            threading.Thread(target=client_loop, args=(Applicant(u, t, server.base, ack, counters),), daemon=True)
            for u, t in tokens.items()
        ]
        filing_started = time.monotonic()
        for t in threads:
            t.start()
        killer.run(filing_started + seconds, min_kills)
        filing.clear()  # the clients finish the case in hand and stop
        for t in threads:
            t.join(RETRY_FOR + 60)
        filing_seconds = time.monotonic() - filing_started
        if server.process is None:
            server.start()
        problems, checked = verify(site, server, tokens, ack, counters, strict_orphans=strict_orphans)
    finally:
        server.stop()
    problems = failures + [f"unexpected answer: {u}" for u in counters.unexpected[:20]] + problems
    acknowledged_events = sum(len(c["events"]) for c in ack.cases.values())
    figures = {
        "database": "postgresql" if database_url else "sqlite",
        "seconds": round(filing_seconds, 1),
        "seed": seed,
        "cases": len(ack.cases),
        "submitted": sum(1 for c in ack.cases.values() if c["submitted"]),
        "materials": len(ack.materials),
        "events": acknowledged_events,
        "acknowledged_writes": len(ack.cases) + len(ack.materials) + sum(c["submitted"] for c in ack.cases.values()),
        "requests": counters.requests,
        "resent": counters.resent,
        "gave_up": counters.gave_up,
        "workers_killed": killer.workers_killed,
        "servers_killed": killer.servers_killed,
        "kill_log": killer.log,
        "folder": str(folder),
    }
    figures.update(checked)  # losses, orphans, duplicates...
    figures["problems"] = problems
    return figures


# ----------------------------------------------------------------------------- checking


def verify(site: Site, server: Gunicorn, tokens, ack: Acknowledged, counters: Counters, *, strict_orphans) -> tuple:
    """(problems, figures) from the API, the database, the disk and verify_audit."""
    problems: list[str] = []
    lost = {"cases": 0, "materials": 0, "events": 0}
    # 1. the API, as each case's owner
    for number, case in ack.cases.items():
        try:
            _, answer = call(server.base, "GET", f"/cases/{number}", token=tokens[case["user"]])
        except HTTPFailure as exc:
            lost["cases"] += 1
            problems.append(f"API: acknowledged case {number} answers {exc.status}")
            continue
        events = {(e["seq"], e["action"]) for e in answer["timeline"]}
        for event in case["events"]:
            if tuple(event) not in events:
                lost["events"] += 1
                problems.append(f"API: case {number} lost acknowledged event {event}")
        materials = {m["id"]: m["sha256"] for m in answer["materials"]}
        for material in (m for m in ack.materials if m["case"] == number):
            if materials.get(material["id"]) != material["sha256"]:
                lost["materials"] += 1
                problems.append(f"API: case {number} lost acknowledged material {material['id']}")
        if case["submitted"] and answer["state"] == "draft":
            problems.append(f"API: case {number} was acknowledged submitted and is a draft")
    # 2. the database and the disk
    acks = site.folder / "acknowledged.json"
    acks.write_text(
        json.dumps(
            {
                "cases": {n: {**c, "events": [list(e) for e in c["events"]]} for n, c in ack.cases.items()},
                "materials": ack.materials,
                "users": list(tokens),
            }
        )
    )
    found = site.run_django(__file__, "_verify", str(acks))
    problems += [f"database: {p}" for p in found["problems"]]
    for kind in lost:
        lost[kind] = max(lost[kind], found["lost"][kind])
    # committed but never acknowledged cases: a create answered twice (or a response lost at
    # the end) - with every request answered, none may exist
    if counters.gave_up == 0 and found["unacknowledged_cases"]:
        problems.append(
            f"{found['unacknowledged_cases']} cases were made that no answer acknowledged (a retry made a second?)"
        )
    # 3. the hash chains
    audit = site.manage("verify_audit")
    if audit.returncode != 0:
        problems.append("verify_audit failed: " + (audit.stderr or audit.stdout)[-2000:])
    # 4. orphaned files
    orphans = found["orphans"]
    swept = None
    if strict_orphans and orphans:
        swept = sweep_orphans(site, found["orphan_paths"])
        if swept["remaining"]:
            problems.append(f"{swept['remaining']} orphaned files remain after files_sweep ({swept['how']})")
        if swept["lost_after"]:
            problems.append(f"files_sweep deleted {swept['lost_after']} files that rows refer to")
    return problems, {
        "lost": lost,
        "losses": sum(lost.values()),
        "duplicates": found["duplicates"],
        "unacknowledged_cases": found["unacknowledged_cases"],
        "orphans": orphans,
        "orphan_paths": found["orphan_paths"][:20],
        "orphans_after_sweep": None if swept is None else swept["remaining"],
        "verify_audit": audit.returncode == 0,
        "verify_audit_says": (audit.stdout or audit.stderr).strip().splitlines()[-1:] or [""],
    }


def sweep_orphans(site: Site, paths: list[str]) -> dict:
    """Age the orphans by two hours and run files_sweep; how many are left, and whether any
    file a row refers to went with them."""
    for relative in paths:
        path = site.media / relative
        with contextlib.suppress(OSError):
            old = time.time() - 2 * 3600
            os.utime(path, (old, old))
    done = site.manage("files_sweep")
    how = "manage.py files_sweep" if done.returncode == 0 else f"files_sweep failed: {(done.stderr or '')[-300:]}"
    after = site.run_django(__file__, "_verify", str(site.folder / "acknowledged.json"))
    return {"remaining": after["orphans"], "how": how, "lost_after": after["lost"]["materials"]}


def verify_in_process(path: str) -> dict:
    """In the site's process: every acknowledged row, file and event, duplicates, orphans."""
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.db import models

    from govhall.cases.models import Case, SubmittedMaterial, TimelineEvent

    acked = json.loads(Path(path).read_text())
    problems: list[str] = []
    lost = {"cases": 0, "materials": 0, "events": 0}
    numbers = list(acked["cases"])
    cases = {c.number: c for c in Case.objects.filter(number__in=numbers)}
    events = {
        (number, seq, action)
        for number, seq, action in TimelineEvent.objects.filter(case__number__in=numbers).values_list(
            "case__number", "seq", "action"
        )
    }
    uploaded = {
        (number, (data or {}).get("sha256"))
        for number, data in TimelineEvent.objects.filter(
            case__number__in=numbers, action__in=["material_uploaded", "deferred_material_received"]
        ).values_list("case__number", "data")
    }
    for number, case in acked["cases"].items():
        if number not in cases:
            lost["cases"] += 1
            problems.append(f"acknowledged case {number} has no row")
            continue
        for seq, action in case["events"]:
            if (number, seq, action) not in events:
                lost["events"] += 1
                problems.append(f"case {number}: acknowledged event #{seq} {action} has no row")
    media = Path(settings.MEDIA_ROOT)
    rows = {m.pk: m for m in SubmittedMaterial.objects.filter(pk__in=[m["id"] for m in acked["materials"]])}
    for material in acked["materials"]:
        row = rows.get(material["id"])
        where = f"case {material['case']}: material {material['id']}"
        if row is None or row.case.number != material["case"]:
            lost["materials"] += 1
            problems.append(f"{where} has no row")
            continue
        if row.sha256 != material["sha256"]:
            lost["materials"] += 1
            problems.append(f"{where}: row says {row.sha256}, acknowledged {material['sha256']}")
            continue
        try:
            on_disk = hashlib.sha256((media / row.file.name).read_bytes()).hexdigest()
        except OSError as exc:
            lost["materials"] += 1
            problems.append(f"{where}: file {row.file.name} unreadable ({exc.__class__.__name__})")
            continue
        if on_disk != material["sha256"]:
            lost["materials"] += 1
            problems.append(f"{where}: file {row.file.name} holds {on_disk}, acknowledged {material['sha256']}")
        if (material["case"], material["sha256"]) not in uploaded:
            lost["events"] += 1
            problems.append(f"{where}: no material_uploaded event names its SHA-256")
    # writes that happened twice
    duplicates = 0
    for number in numbers:
        current = list(
            SubmittedMaterial.objects.filter(case__number=number, current=True).values_list("requirement_id", flat=True)
        )
        duplicates += len(current) - len(set(current))
        submits = TimelineEvent.objects.filter(case__number=number, action="submit").count()
        duplicates += max(0, submits - 1)
    if duplicates:
        problems.append(f"{duplicates} writes happened twice (current materials per requirement, submissions per case)")
    unacknowledged = (
        Case.objects.filter(applicant__user__username__in=acked["users"]).exclude(number__in=numbers).count()
    )
    # stored files no row names
    referenced: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                referenced.update(model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True))
    orphan_paths = sorted(
        str(p.relative_to(media))
        for p in media.rglob("*")
        if p.is_file() and str(p.relative_to(media)) not in referenced
    )
    return {
        "problems": problems,
        "lost": lost,
        "duplicates": duplicates,
        "unacknowledged_cases": unacknowledged,
        "orphans": len(orphan_paths),
        "orphan_paths": orphan_paths,
    }


# ----------------------------------------------------------------------------- PostgreSQL


@contextlib.contextmanager
def scratch_postgres(url: str):
    """A new, empty database next to the one ``url`` names (its role needs CREATEDB),
    dropped afterwards; yields its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'govhall'}_durability_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ----------------------------------------------------------------------------- command line


def report(figures: dict, say=print) -> None:
    lost = figures["lost"]
    say(
        f"database {figures['database']}, {figures['seconds']:.0f}s, seed {figures['seed']}: "
        f"{figures['acknowledged_writes']} acknowledged writes ({figures['cases']} cases, {figures['materials']} "
        f"materials, {figures['submitted']} submissions; {figures['events']} timeline events), "
        f"{figures['requests']} requests ({figures['resent']} sent again, {figures['gave_up']} never answered)"
    )
    say(
        f"kill -9: {figures['workers_killed']} times one worker, {figures['servers_killed']} times the whole server "
        f"(master and workers), {figures['workers_killed'] + figures['servers_killed']} in all"
    )
    say(
        f"losses: {figures['losses']} (cases {lost['cases']}, materials {lost['materials']}, events {lost['events']}); "
        f"duplicates: {figures['duplicates']}; cases nobody was told of: {figures['unacknowledged_cases']}; "
        f"verify_audit: {'OK' if figures['verify_audit'] else 'FAILED'} {' '.join(figures['verify_audit_says'])}"
    )
    after = figures["orphans_after_sweep"]
    say(
        f"orphaned files (stored, no row): {figures['orphans']}"
        + ("" if after is None else f", after files_sweep: {after}")
        + (f"  e.g. {', '.join(figures['orphan_paths'][:3])}" if figures["orphans"] else "")
    )
    for problem in figures["problems"][:50]:
        say(f"  PROBLEM: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--seconds", type=float, help="length of the filing phase (default 30)")
    length.add_argument("--minutes", type=float, help="length of the filing phase, in minutes")
    parser.add_argument("--clients", type=int, default=4, help="applicants filing at once (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--kill-every", default="2-7", help="seconds between kills, a range (2-7)")
    parser.add_argument("--min-kills", type=int, default=3, help="file on (up to twice as long) until this many kills")
    parser.add_argument("--database-url", default="", help="a scratch PostgreSQL database (default: SQLite)")
    parser.add_argument(
        "--scratch-postgres", metavar="URL", help="create a new database next to URL's, use it, drop it afterwards"
    )
    parser.add_argument("--strict-orphans", action="store_true", help="orphaned files fail the run unless swept")
    parser.add_argument("--seed", type=int, help="the killer's random seed")
    parser.add_argument("--out", help="folder for the site and its log (default: a new temporary folder)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    seconds = args.minutes * 60 if args.minutes else (args.seconds or 30)
    low, _, high = args.kill_every.partition("-")
    every = (float(low), float(high or low))
    with contextlib.ExitStack() as stack:
        database_url = args.database_url
        if args.scratch_postgres:
            database_url = stack.enter_context(scratch_postgres(args.scratch_postgres))
        figures = run(
            seconds=seconds,
            clients=args.clients,
            workers=args.workers,
            kill_every=every,
            min_kills=args.min_kills,
            database_url=database_url,
            folder=Path(args.out) if args.out else None,
            strict_orphans=args.strict_orphans,
            seed=args.seed,
        )
    report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    passed = not figures["problems"] and figures["acknowledged_writes"] > 0
    print(f"== durability: {'passed' if passed else 'FAILED'}; site and server log in {figures['folder']}")
    return 0 if passed else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["_prepare"]:
        print(json.dumps(prepare_in_process(applicants=int(sys.argv[2]))))
    elif sys.argv[1:2] == ["_verify"]:
        print(json.dumps(verify_in_process(sys.argv[2])))
    else:
        sys.exit(main())
