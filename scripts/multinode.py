"""Several application nodes on shared engines (issue 18): two gunicorn nodes with the same
settings on PostgreSQL, Redis (cache, limits, the RQ task queue) and S3-compatible storage
(moto's server), one RQ worker, and checks made through HTTP against the nodes:

1. ready: /healthz and /readyz on both nodes (database, cache, storage, queue, limits);
2. files: a material uploaded through node A downloads through node B with the same sha256,
   and it is in the bucket, not on the node's disk;
3. tasks: the case's SMS notice enqueued by node A waits in the queue until the RQ worker
   starts, and the worker delivers it to the (local stand-in) SMS gateway;
4. limits: five wrong passwords through node A lock the account at that address on node B;
5. lockers: parallel drop-off reservations through both nodes for more cases than the
   cabinet has cells: every cell given once, the rest refused;
6. search: node B's in-process search index sees an item published through node A's admin
   (the CatalogRevision counter, docs/decisions/0001);
7. appointments: parallel bookings through both nodes for one slot with fewer places than
   bookers: never more bookings than places;
8. metrics: /metrics answers loopback in Prometheus text with the request counts.

    DATABASE_URL=postgres://govhall:govhall@127.0.0.1:5432/govhall .venv/bin/python scripts/multinode.py

It installs nothing: ``redis-server`` (Debian) on the PATH and the locked Python packages
(moto[server], rq, …) in the venv. The database named by DATABASE_URL is only used to create
a scratch database next to it (its role needs CREATEDB), dropped at the end. Every process
it starts is stopped at the end, on failure too. Prints PASS/FAIL per check; exit 1 on any FAIL.
"""

# ruff: noqa: S603, S310

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, Gunicorn, HTTPFailure, Site, call, free_port, multipart, token_for

ITEM = "000101004000-610104000000-000-11610104LH0000001G-1-00"
FORM = {"经营场所": "西安市莲湖区西大街88号", "经营范围": "日用百货零售", "组成形式": "个人经营"}
BUCKET = "govhall-multinode"
LOCKER_SITE = "MULTINODE"
LOCKER_CELLS = 3
LOCKER_CASES = 8
SEARCH_WORD = "多节点验证事项"
APPOINTMENT_BOOKERS = 24  # extra applicant accounts, one booking each (one live booking per item)

RESULTS: list[tuple[str, bool, str]] = []


def say(text: str) -> None:
    print(text, flush=True)


def check(name: str):
    """Decorator: run a check, record PASS/FAIL with its detail; a failure does not stop the rest."""

    def wrap(func):
        def run(*args, **kwargs):
            try:
                value = func(*args, **kwargs)
            except Exception as exc:
                RESULTS.append((name, False, f"{type(exc).__name__}: {exc}"))
                say(f"FAIL  {name}: {type(exc).__name__}: {exc}")
                traceback.print_exc()
                return None
            detail = value[0] if isinstance(value, tuple) else value or ""
            RESULTS.append((name, True, detail))
            say(f"PASS  {name}: {detail}")
            return value

        return run

    return wrap


# ----------------------------------------------------------------------------- processes


class Processes:
    """Every process started here, each in its own group; stopped in reverse order."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self.started.append((name, process))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def stop_all(self) -> None:
        for _name, process in reversed(self.started):
            self.stop(process)


def wait_for(predicate, what: str, seconds: float = 60, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{what} not within {seconds:.0f} s (last error: {last!r})")


def start_moto(processes, key: str):
    """moto's S3 server on a free port (the CI's S3-compatible store): its endpoint and a
    boto3 client with ``key`` as both access key and secret (moto accepts any)."""
    import boto3

    port = free_port()
    moto = processes.start(
        "moto",
        [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    wait_for(lambda: urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).status == 200, "moto", 60, moto)
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=key, region_name="us-east-1"
    )
    return endpoint, s3


@contextlib.contextmanager
def scratch_postgres(url: str):
    """A new database next to the one ``url`` names, dropped afterwards; yields its URL."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'govhall'}_multinode_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class SmsGateway:
    """A local stand-in of an SMS gateway (GOVHALL_SMS_BACKEND=http): keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.received.append(json.loads(body))
                answer = json.dumps({"reference": f"gw-{len(gateway.received)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------------- in a child process


def prepare_in_process() -> dict:
    """Migrate, load the demo, and make what the checks need: a locker site of one cabinet with
    LOCKER_CELLS small cells and LOCKER_CASES submitted cases of citizen2 whose originals are
    asked for, and a draft item named SEARCH_WORD (published later through node A)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from _harness import prepare_in_process as prepare

    made = prepare(demo_cases=False, applicants=APPOINTMENT_BOOKERS)
    from django.core.management import call_command

    from govhall.accounts.models import User
    from govhall.cases.tests import factories as f
    from govhall.catalog import services as catalog_services
    from govhall.catalog.models import ServiceItem
    from govhall.lockers import services as locker_services
    from govhall.lockers.tests import factories as lf

    with contextlib.suppress(Exception):  # the appointments demo (halls, schedules), where it exists
        from govhall.appointments import demo as appointments_demo

        appointments_demo.load()
    clerk = User.objects.get(username="clerk")
    site, _ = lf.site(LOCKER_SITE, layout={"S": LOCKER_CELLS}, cabinets=1, name="多节点测试点位")
    cases = []
    for _ in range(LOCKER_CASES):
        case = f.submitted(username="citizen2")
        locker_services.originals_request(case=case.number, actor=clerk, comment="多节点测试：纸质原件")
        cases.append(case.number)
    published = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).exclude(code=ITEM).first()
    draft = catalog_services.item_revise(item=published)
    draft.name = SEARCH_WORD
    draft.save(update_fields=["name"])
    # bearer tokens of the bookers made here: 24 sign-ins from one address would meet the
    # token endpoint's throttle (what it is for)
    import datetime
    import secrets

    from django.utils import timezone

    from govhall.accounts.models import ApiToken

    tokens = []
    for username in made["applicants"]:
        key = secrets.token_urlsafe(32)
        ApiToken.objects.create(
            user=User.objects.get(username=username),
            key_hash=ApiToken.hash_key(key),
            expires_at=timezone.now() + datetime.timedelta(hours=2),
        )
        tokens.append(key)
    call_command("check", verbosity=0)
    return {
        **made,
        "tokens": tokens,
        "locker_site": site.code,
        "locker_cases": cases,
        "draft_pk": draft.pk,
        "draft_code": draft.code,
    }


# ----------------------------------------------------------------------------- HTTP helpers


def get_raw(url: str, *, token: str | None = None, headers: dict | None = None) -> tuple[int, bytes, dict]:
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def pdf(text: str) -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "govhall multinode material " + text)
    page.save()
    return buffer.getvalue()


def json_body(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


# ----------------------------------------------------------------------------- the checks


@check("ready: /healthz and /readyz on both nodes")
def check_ready(nodes):
    details = []
    for node in nodes:
        status, body, _ = get_raw(node.origin + "/healthz")
        assert status == 200, f"{node.origin}/healthz {status}"
        status, body, _ = get_raw(node.origin + "/readyz")
        answer = json.loads(body)
        assert status == 200 and answer["status"] == "ok", f"{node.origin}/readyz {status} {answer}"
        assert answer["storage"] == "s3" and answer["tasks"] == "rq", answer
        details.append(f":{node.port} {answer['checks']}")
    return "; ".join(details)


@check("files: a material uploaded through node A downloads through node B")
def check_files(a, b, token, site, s3):
    created = call(
        a.base,
        "POST",
        "/cases",
        token=token,
        body=json_body({"item_code": ITEM, "form": FORM}),
        content_type="application/json",
    )[1]
    number = created["number"]
    uploaded = []
    for entry in created["checklist"]:
        if entry["required"] and not entry["supplied"]:
            content = pdf(f"{number} {entry['requirement_id']}")
            body, content_type = multipart(
                {"requirement_id": str(entry["requirement_id"])}, "m.pdf", content, "application/pdf"
            )
            material = call(
                a.base, "POST", f"/cases/{number}/materials", token=token, body=body, content_type=content_type
            )[1]
            assert material["sha256"] == hashlib.sha256(content).hexdigest()
            uploaded.append(material)
    assert uploaded, "the item asks for no material"
    for material in uploaded:
        status, data, _ = get_raw(f"{b.base}/cases/{number}/materials/{material['id']}/file", token=token)
        assert status == 200, f"download through B: {status} {data[:200]!r}"
        assert hashlib.sha256(data).hexdigest() == material["sha256"], "B served other bytes"
        status, _, _ = get_raw(f"{b.base}/cases/{number}/materials/{material['id']}/file")
        assert status in (401, 403, 404), f"an anonymous download answered {status}"
    on_disk = [p for p in site.media.rglob("*") if p.is_file()] if site.media.exists() else []
    assert not on_disk, f"files on the node's disk: {on_disk[:3]}"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert any(k.startswith("cases/") for k in keys), f"no material in the bucket: {keys[:5]}"
    acl = s3.get_object_acl(Bucket=BUCKET, Key=next(k for k in keys if k.startswith("cases/")))
    public = [g for g in acl["Grants"] if "AllUsers" in json.dumps(g) or "AuthenticatedUsers" in json.dumps(g)]
    assert not public, f"a public grant on the object: {public}"
    submitted = call(a.base, "POST", f"/cases/{number}/submit", token=token, body=b"", content_type="application/json")[
        1
    ]
    return (
        f"case {number}: {len(uploaded)} materials via :{a.port}, same sha256 via :{b.port}, "
        f"anonymous refused, {len(keys)} objects in the bucket (no public grant), none on disk; "
        f"submitted ({submitted['state']})"
    ), number


@check("tasks: a task enqueued on node A runs on the RQ worker")
def check_tasks(a, number, gateway, start_worker):
    def for_case():
        return [m for m in gateway.received if number in m.get("text", "")]

    time.sleep(3)
    before = for_case()
    assert not before, f"the SMS went out before any worker ran: {before}"
    _status, body, _ = get_raw(a.origin + "/metrics")
    depth = [line for line in body.decode().splitlines() if line.startswith("govhall_task_queue_depth")]
    worker = start_worker()
    sent = wait_for(for_case, "the case's SMS at the gateway", 120, worker)
    return f"nothing sent while no worker ran ({', '.join(depth)}); the worker delivered: {sent[0]['text'][:60]}…"


@check("limits: wrong passwords counted on node A lock the account on node B")
def check_limits(a, b, password):
    answers = []
    for _ in range(5):
        try:
            call(
                a.base,
                "POST",
                "/auth/token",
                body=json_body({"username": "citizen2", "password": "wrong-" + password}),
                content_type="application/json",
            )
            answers.append(200)
        except HTTPFailure as exc:
            answers.append(exc.status)
    assert all(s == 401 for s in answers), f"wrong passwords on A answered {answers}"
    try:
        call(
            b.base,
            "POST",
            "/auth/token",
            body=json_body({"username": "citizen2", "password": password}),
            content_type="application/json",
        )
        raise AssertionError("the right password on B was accepted: the count on A did not reach B")
    except HTTPFailure as exc:
        assert exc.status == 429 and b"login_locked" in exc.body, f"B answered {exc.status} {exc.body[:200]!r}"
    return f"A answered {answers}; B refused the right password: 429 login_locked"


@check("lockers: a cell is never given twice across nodes")
def check_lockers(a, b, token, prepared):
    cases = prepared["locker_cases"]

    def reserve(index_case):
        index, case = index_case
        node = (a, b)[index % 2]
        try:
            answer = call(
                node.base,
                "POST",
                "/lockers/dropoffs",
                token=token,
                body=json_body({"case_number": case, "site": prepared["locker_site"], "size": "S"}),
                content_type="application/json",
            )[1]
            return ("ok", answer["parcel"]["door"], node.port)
        except HTTPFailure as exc:
            return ("refused", exc.status, node.port, exc.body[:160].decode(errors="replace"))

    with ThreadPoolExecutor(len(cases)) as pool:
        outcomes = list(pool.map(reserve, enumerate(cases)))
    doors = [o[1] for o in outcomes if o[0] == "ok"]
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert len(doors) == len(set(doors)), f"a cell given twice: {doors}"
    assert len(doors) == LOCKER_CELLS, f"{len(doors)} reservations for {LOCKER_CELLS} cells: {outcomes}"
    assert all(400 <= s < 500 for s in refused), f"refusals: {refused}"
    ports = sorted({o[2] for o in outcomes if o[0] == "ok"})
    return (
        f"{len(cases)} parallel reservations over both nodes: doors {sorted(doors)} once each (via {ports}), "
        f"{len(refused)} refused ({sorted(set(refused))})"
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A browser's session against one node: its cookies kept by hand (with DEBUG=0 they are
    Secure, which a cookie jar would not send over the loopback's plain HTTP), the CSRF token
    sent back with every form."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect())

    def request(self, path: str, form: dict | None = None) -> tuple[int, bytes]:
        import http.cookies

        url = self.origin + path
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Referer": url}
        data = None
        if form is not None:
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}).encode()
        try:
            response = self.opener.open(urllib.request.Request(url, data=data, headers=headers), timeout=60)
        except urllib.error.HTTPError as exc:
            response = exc
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status if hasattr(response, "status") else response.code, response.read()


@check("search: node B's index sees an item published through node A")
def check_search(a, b, prepared, admin_password):
    query = urllib.parse.quote(SEARCH_WORD)

    def codes_on_b():
        status, body, _ = get_raw(f"{b.base}/catalog/items?q={query}")
        assert status == 200, status
        results = json.loads(body)["results"]
        assert not [r for r in results if r["name"] == SEARCH_WORD], "found before it was published"
        return [r["code"] for r in results]

    before = codes_on_b()  # also builds B's index before the change
    # publish through node A's admin (the admin's 发布 action: catalog.services.item_publish)
    browser = Browser(a.origin)
    browser.request("/admin/login/?next=/admin/")
    status, _ = browser.request(
        "/admin/login/?next=/admin/", {"username": "admin", "password": admin_password, "next": "/admin/"}
    )
    assert status == 302 and "sessionid" in browser.cookies, f"admin login on A answered {status}"
    browser.request("/admin/catalog/serviceitem/")
    status, _ = browser.request(
        "/admin/catalog/serviceitem/",
        {"action": "publish", "select_across": "0", "index": "0", "_selected_action": str(prepared["draft_pk"])},
    )
    assert status == 302, f"the publish action on A answered {status}"

    def found_on_b():
        _status, body, _ = get_raw(f"{b.base}/catalog/items?q={query}")
        results = json.loads(body)["results"]
        return [r for r in results if r["name"] == SEARCH_WORD]

    found = wait_for(found_on_b, "the published item in B's search", 20)
    return (
        f"before: {len(before)} results on B, none named {SEARCH_WORD}; after 发布 on A's admin: "
        f"B finds {found[0]['code']}"
    )


@check("appointments: a slot is never given twice across nodes")
def check_appointments(a, b, tokens):
    status, body, _ = get_raw(f"{a.base}/appointments/halls", token=tokens[0])
    assert status == 200, f"/appointments/halls {status} {body[:200]!r}"
    halls = json.loads(body)
    assert halls, "no hall takes appointments (the appointments demo did not load)"
    best = None
    for hall in halls:
        _, body, _ = get_raw(f"{a.base}/appointments/halls/{hall['id']}/items", token=tokens[0])
        for item in json.loads(body):
            status, body, _ = get_raw(
                f"{a.base}/appointments/slots?hall={hall['id']}&item_code={urllib.parse.quote(item['code'])}",
                token=tokens[0],
            )
            if status != 200:
                continue
            for day in json.loads(body)["days"]:
                for slot in day["slots"]:
                    # the slot with the most places that fewer bookers than we have can still overfill
                    if 0 < slot["remaining"] <= len(tokens) - 4 and (
                        best is None or slot["remaining"] > best[2]["remaining"]
                    ):
                        best = (hall["id"], item["code"], slot)
    assert best is not None, "no open slot"
    hall, item_code, slot = best
    places = slot["remaining"]
    bookers = tokens[: places + 4]
    assert len(bookers) > places, f"the smallest slot has {places} places, more than the {len(tokens)} bookers"

    def book(index_token):
        index, token = index_token
        node = (a, b)[index % 2]
        try:
            call(
                node.base,
                "POST",
                "/appointments",
                token=token,
                body=json_body({"hall": hall, "item_code": item_code, "slot_start": slot["start"]}),
                content_type="application/json",
            )
            return "booked"
        except HTTPFailure as exc:
            return f"{exc.status} {json.loads(exc.body).get('code', '')}"

    with ThreadPoolExecutor(len(bookers)) as pool:
        outcomes = list(pool.map(book, enumerate(bookers)))
    booked = outcomes.count("booked")
    assert booked == places, f"{booked} bookings for {places} places: {outcomes}"
    refused = sorted(set(o for o in outcomes if o != "booked"))
    return (
        f"{len(bookers)} applicants booked the slot {slot['start']} ({places} online places) in parallel over "
        f"both nodes: {booked} booked, the rest refused ({refused})"
    )


@check("metrics: /metrics in Prometheus text from loopback")
def check_metrics(nodes):
    lines = []
    for node in nodes:
        status, body, headers = get_raw(node.origin + "/metrics")
        text = body.decode()
        assert status == 200 and "text/plain" in headers.get("Content-Type", ""), status
        assert "govhall_http_requests_total{" in text and "govhall_database_up 1" in text, text[:500]
        served = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("govhall_http_requests_total{")
        )
        lines.append(f":{node.port} {served:.0f} requests counted over its workers")
    return "; ".join(lines)


# ----------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        say("multinode needs a PostgreSQL DATABASE_URL (its role needs CREATEDB)")
        return 2
    if shutil.which("redis-server") is None:
        say("multinode needs redis-server (apt-get install redis-server)")
        return 2

    processes = Processes()
    folder = Path(tempfile.mkdtemp(prefix="govhall-multinode-"))
    gateway = SmsGateway()
    nodes: list[Gunicorn] = []
    try:
        with scratch_postgres(args.database_url) as database_url:
            redis_port = free_port()
            processes.start(
                "redis-server",
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
            import redis

            wait_for(redis.Redis(port=redis_port).ping, "redis-server", 30)
            endpoint, s3 = start_moto(processes, "multinode")
            s3.create_bucket(Bucket=BUCKET)
            say(
                f"== redis-server :{redis_port}, moto S3 {endpoint} (bucket {BUCKET}), PostgreSQL "
                f"{urllib.parse.urlsplit(database_url).path}, SMS gateway stand-in {gateway.url}"
            )
            secret = "multinode-" + os.urandom(16).hex()
            shared = {
                "SECRET_KEY": secret,
                "GOVHALL_STORAGE": "s3",
                "GOVHALL_S3_BUCKET": BUCKET,
                "GOVHALL_S3_ENDPOINT_URL": endpoint,
                "GOVHALL_S3_REGION": "us-east-1",
                "GOVHALL_S3_ACCESS_KEY": "multinode",
                "GOVHALL_S3_SECRET_KEY": "multinode",
                "GOVHALL_CACHE": "redis",
                "GOVHALL_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "GOVHALL_TASKS_REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
                "GOVHALL_TASKS": "rq",
                "GOVHALL_SMS_BACKEND": "http",
                "GOVHALL_SMS_URL": gateway.url,
                "GOVHALL_SMS_KEY": "multinode",
                "GOVHALL_SMS_SIGN": "【多节点测试】",
            }
            prepare_site = Site(
                folder, database_url, {**shared, "GOVHALL_TASKS": "immediate", "GOVHALL_SMS_BACKEND": "outbox"}
            )
            say("== migrate, demo, locker site and cases, a draft item (one process)")
            prepared = prepare_site.run_django(__file__, "_prepare", timeout=900)
            for name in ("a", "b"):
                metrics_dir = folder / f"metrics-{name}"
                metrics_dir.mkdir()
                site = Site(folder, database_url, {**shared, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
                node = Gunicorn(site, workers=2, extra=("-c", "python:govhall.core.gunicorn_conf"))
                node.start()
                processes.started.append((f"node {name}", node.process))
                nodes.append(node)
            a, b = nodes
            say(f"== node A {a.origin}, node B {b.origin} (2 gunicorn workers each, same settings)")
            worker_site = Site(folder, database_url, shared)

            def start_worker():
                log = (folder / "worker.log").open("ab")
                process = processes.start(
                    "rq worker",
                    [PYTHON, "manage.py", "rqworker", "default", "--with-scheduler"],  # as docs/deployment.md says
                    cwd=ROOT,
                    env=worker_site.env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                say(f"== RQ worker started (pid {process.pid})")
                return process

            password = os.environ.get("GOVHALL_DEMO_PASSWORD") or "govhall-demo"
            citizen = token_for(a.base, "citizen", password)
            citizen2 = token_for(a.base, "citizen2", password)
            check_ready(nodes)
            filed = check_files(a, b, citizen, prepare_site, s3)
            number = filed[1] if filed else None
            if number:
                check_tasks(a, number, gateway, start_worker)
            else:
                RESULTS.append(("tasks: a task enqueued on node A runs on the RQ worker", False, "no case filed"))
                start_worker()
            check_lockers(a, b, citizen2, prepared)
            check_limits(a, b, password)
            check_search(a, b, prepared, password)
            check_appointments(a, b, prepared["tokens"])
            check_metrics(nodes)
    except Exception:
        traceback.print_exc()
        RESULTS.append(("setup", False, "the run stopped before its checks ended"))
    finally:
        for node in nodes:
            node.stop()
        processes.stop_all()
        gateway.close()
        if args.keep:
            say(f"(kept {folder})")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    failed = [name for name, ok, _ in RESULTS if not ok]
    say("")
    for name, ok, _detail in RESULTS:
        say(f"{'PASS' if ok else 'FAIL'}  {name}")
    say(f"== multinode: {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def prepare_demo_in_process() -> dict:
    """Migrate and the whole demo (its cases too), for the restore drill."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from _harness import prepare_in_process as prepare

    made = prepare(demo_cases=True)
    return {**made, "password": os.environ.get("GOVHALL_DEMO_PASSWORD") or "govhall-demo"}


if __name__ == "__main__":
    if sys.argv[1:2] == ["_prepare"]:
        print(json.dumps(prepare_in_process()))
        sys.exit(0)
    if sys.argv[1:2] == ["_prepare_demo"]:
        print(json.dumps(prepare_demo_in_process()))
        sys.exit(0)
    sys.exit(main())
