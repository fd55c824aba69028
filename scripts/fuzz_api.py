"""Fuzz the JSON API with schemathesis, as three callers: anonymous, an applicant, a clerk.

    .venv/bin/python scripts/fuzz_api.py                  # what CI runs (about 4 minutes)
    .venv/bin/python scripts/fuzz_api.py --seconds 300 --max-examples 200 --seed random
    make fuzz                                             # the same as the first line

Prepares a throw-away site in a temporary folder (SQLite; ``--database-url`` for a PostgreSQL
database that may be emptied; DATABASE_URL of the environment is ignored, so a developer's
database is never fuzzed), loads the demo (catalogue, accounts, cases), serves it with
gunicorn (2 sync workers, DEBUG=0, the database cache, no limit on the request line, so that
the application answers long URLs rather than gunicorn's 414) and runs ``schemathesis run`` against
the live ``/api/v1/openapi.json`` once per identity, each within its time budget:

- anonymous: no credentials (schemathesis also sends made-up bearer tokens and session
  cookies, which must be refused with 401, never a 500);
- applicant: the demo's ``citizen``, with ``citizen2`` as a peer for the object-level
  authorisation check (neither may read what the other owns);
- clerk: the demo's ``clerk``.

Every check is on (``--checks all``), and ``max_response_time`` too (``--max-response-time``).
No check is excluded: each is meaningful for this API (it has no DELETE, so use_after_free
and ensure_resource_availability only look at what POST creates; unsupported_method expects
405 with an Allow header for methods the document does not list). Rate limits answer 429;
the document lists 429 where the API throttles, so those answers pass status_code_conformance,
and an undocumented 429 is a finding like any undocumented status. The throttles' rates are
fixed in the code (no setting raises them for a fuzzing server): the throttled operations
(token, progress, licence verification) are mostly answered 429 after their first requests,
which schemathesis reports as a warning.

Exits 1 on any failed check, any schemathesis error, or any server error in the server's
log; prints the failures per check and identity, each distinct failure once with a request
that reproduces it, and the server's tracebacks grouped by exception. Keeps everything in
the output folder (printed at the end): ``findings.md``, ``findings.json``, the server log,
and per identity schemathesis' console output, JUnit XML and NDJSON event stream.
"""

# ruff: noqa: S603, S310

from __future__ import annotations

import argparse
import base64
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, Gunicorn, Site, prepare_in_process, token_for

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
IDENTITIES = ("anonymous", "applicant", "clerk")
# identity -> (the user schemathesis sends as, the peers for object_level_authorization)
USERS = {"applicant": ("citizen", ["citizen", "citizen2"]), "clerk": ("clerk", [])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="time budget of each identity's run (default 60)")
    parser.add_argument("--max-examples", type=int, default=30, help="examples per operation and phase (30)")
    parser.add_argument("--seed", default="13", help="schemathesis' seed, or 'random' (default 13)")
    parser.add_argument(
        "--identities", default=",".join(IDENTITIES), help="comma-separated, of " + ", ".join(IDENTITIES)
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    # One schemathesis worker: with several, CPython 3.11.7 (this machine's) raises
    # "SystemError: AST constructor recursion depth mismatch" inside schemathesis now and
    # then, and the operation it was generating for goes untested (CPython gh-106905).
    parser.add_argument("--st-workers", type=int, default=1, help="schemathesis workers (1)")
    parser.add_argument("--max-response-time", type=float, default=15, help="seconds; slower answers fail (15)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to fill (default: SQLite)")
    parser.add_argument("--out", help="folder for the site and the reports (default: a new temporary folder)")
    args = parser.parse_args()

    identities = [i.strip() for i in args.identities.split(",") if i.strip()]
    unknown = set(identities) - set(IDENTITIES)
    if unknown:
        parser.error(f"unknown identities: {', '.join(sorted(unknown))}")
    seed = random.randrange(1, 2**31) if args.seed == "random" else int(args.seed)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="govhall-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    started = time.monotonic()

    site = Site(out / "site", database_url=args.database_url)
    print(f"== fuzz: preparing a site in {site.folder} ({'PostgreSQL' if args.database_url else 'SQLite'})", flush=True)
    known = site.run_django(__file__, "_prepare")
    # No limit on the request line and header sizes in gunicorn: it would answer 414 or 431
    # itself (text/html) before the application sees a long generated URL, as any front
    # server of a deployment does at its own size; the document describes the application.
    server = Gunicorn(
        site, workers=args.workers, extra=("--limit-request-line", "0", "--limit-request-field_size", "0")
    )
    server.start()
    try:
        password = os.environ.get("GOVHALL_DEMO_PASSWORD") or "govhall-demo"
        tokens = {user: token_for(server.base, user, password) for user in ("citizen", "citizen2", "clerk")}
        schema_url = server.base + "/openapi.json"
        with urllib.request.urlopen(schema_url, timeout=30) as response:
            live = json.loads(response.read())
        (out / "openapi.json").write_text(json.dumps(live, ensure_ascii=False, indent=2))
        committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
        same = "yes" if committed == live else "NO (make openapi)"
        print(f"== fuzz: {server.origin}, seed {seed}, {args.seconds}s per identity; docs/openapi.json is live: {same}")
        auth_file = out / "auth.json"
        auth_file.write_text(
            json.dumps(
                {
                    "auth": [
                        {"name": user, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
                        for user, token in tokens.items()
                    ]
                }
            )
        )
        runs = {}
        for identity in identities:
            runs[identity] = run_schemathesis(identity, schema_url, out, auth_file, known, seed, args)
    finally:
        server.stop()

    server_errors = parse_server_log(site.log)
    findings = collect(runs)
    elapsed = time.monotonic() - started
    report(out, runs, findings, server_errors, tokens, server.origin, seed, elapsed)
    failed = bool(findings or server_errors or any(run["errors"] for run in runs.values()))
    failed = failed or any(run["returncode"] not in (0, 1) for run in runs.values())
    print(f"== fuzz: {'FAILED' if failed else 'passed'} in {elapsed:.0f}s; reports in {out}")
    return 1 if failed else 0


# Where the API refuses, with 400 and a domain code, data that the document cannot describe,
# positive_data_acceptance takes that 400 as the documented refusal it is: an item's
# application form is checked against that item's own fields (`form` is an object of any
# keys in the document), and an upload's content against its bytes (a PDF, JPEG or PNG that
# parses; `format: binary` in the document). Everywhere else a schema-valid request that is
# refused is a finding: the document should have said so (minLength, pattern, enum...).
REFUSALS_THE_DOCUMENT_CANNOT_DESCRIBE = [
    ("POST", "/api/v1/cases"),
    ("POST", "/api/v1/cases/{number}/materials"),
    # lat and lng come as a pair, and an address is looked up in the gazetteer: 400
    # invalid_position / address_not_found for one half of a pair or an unknown place
    ("GET", "/api/v1/stations/nearby"),
]
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default

# Schemathesis draws these (the demo's own identifiers) for the named parameters with the
# given probability, and makes up values otherwise: real identifiers reach the logic behind
# the 404s (and give object_level_authorization objects to compare); the integers at the
# edges of the ranges find the overflows.
EDGE_INTEGERS = [0, -1, 1, 100, 101, 10_000, 10_001, 2**31 - 1, 2**31, 2**63 - 1, -(2**63)]


def _toml(value) -> str:
    return json.dumps(value, ensure_ascii=True)


def config_text(identity: str, auth_file: Path, known: dict) -> str:
    lines = []
    if identity in USERS:
        user, peers = USERS[identity]
        lines += ["[auth.wfc]", f"path = {_toml(str(auth_file))}", f"user = {_toml(user)}"]
        if peers:
            lines.append(f"peers = {_toml(peers)}")
        lines.append("")
    dictionaries = {
        "numbers": known["numbers"],
        "items": known["items"],
        "documents": known["documents"] or [1],
        "materials": known["materials"] or [1],
        "requirements": known["requirements"] or [1],
        "phones": known["phones"] or ["0000"],
        "edge_integers": EDGE_INTEGERS,
    }
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml(values)}", ""]
    bindings = {
        "path.number": ("numbers", 0.5),
        "query.number": ("numbers", 0.5),
        "query.phone_last4": ("phones", 0.5),
        "path.code": ("items", 0.5),
        "query.item_code": ("items", 0.3),
        "body.item_code": ("items", 0.5),
        "path.document_id": ("documents", 0.5),
        "path.material_id": ("materials", 0.5),
        "body.requirement_id": ("requirements", 0.5),
        "query.page": ("edge_integers", 0.3),
        "query.page_size": ("edge_integers", 0.3),
    }
    lines.append("[parameters]")
    lines += [f"{_toml(key)} = {{ dictionary = {_toml(d)}, probability = {p} }}" for key, (d, p) in bindings.items()]
    lines.append("")
    for method, path in REFUSALS_THE_DOCUMENT_CANNOT_DESCRIBE:
        lines += [
            "[[operations]]",
            f"include-method = {_toml(method)}",
            f"include-path = {_toml(path)}",
            f"checks.positive_data_acceptance.expected-statuses = {_toml(['400', *POSITIVE_EXPECTED])}",
            "",
        ]
    return "\n".join(lines)


def run_schemathesis(identity: str, schema_url: str, out: Path, auth_file: Path, known: dict, seed: int, args) -> dict:
    folder = out / identity
    folder.mkdir(exist_ok=True)
    config = folder / "schemathesis.toml"
    config.write_text(config_text(identity, auth_file, known))
    command = [
        SCHEMATHESIS,
        "--config-file",
        str(config),
        "--no-color",
        "run",
        schema_url,
        "--checks",
        "all",
        "--max-response-time",
        str(args.max_response_time),
        "--max-examples",
        str(args.max_examples),
        "--max-time",
        str(args.seconds),
        "--seed",
        str(seed),
        "--workers",
        str(args.st_workers),
        "--continue-on-failure",
        "--request-timeout",
        "60",
        "--generation-database",
        "none",
        "--output-sanitize",
        "false",
        "--report",
        "junit,ndjson",
        "--report-junit-path",
        str(folder / "junit.xml"),
        "--report-ndjson-path",
        str(folder / "events.ndjson"),
    ]
    print(f"== fuzz: {identity} ({args.seconds}s)", flush=True)
    with (folder / "schemathesis.log").open("w") as log:
        log.write(" ".join(command) + "\n\n")
        log.flush()
        done = subprocess.run(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, timeout=args.seconds * 3 + 300)
    summary = parse_events(folder / "events.ndjson")
    summary["returncode"] = done.returncode
    summary["log"] = str(folder / "schemathesis.log")
    text = (folder / "schemathesis.log").read_text(errors="replace")
    summary["warnings"] = re.findall(r"^  ⚠️ (.*)$", text, re.M)
    tail = text.rsplit("SUMMARY", 1)[-1]
    for line in tail.splitlines():
        if "generated" in line or line.startswith("=") or "⚠️" in line:
            print("   ", line.strip(" ="))
    return summary


def parse_events(path: Path) -> dict:
    """Per check: cases passed and failed; every failure with its request and response;
    schemathesis' own errors."""
    checks: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures = []
    errors = []
    slowest = 0.0
    if not path.exists():
        return {"checks": {}, "failures": [], "errors": [f"no event stream at {path}"], "slowest": 0.0}
    with path.open() as stream:
        for line in stream:
            event = json.loads(line)
            if "NonFatalError" in event:
                info = event["NonFatalError"]
                errors.append(f"{info.get('label')}: {json.dumps(info.get('info') or info, ensure_ascii=False)[:600]}")
                continue
            if "ScenarioFinished" not in event:
                continue
            recorder = event["ScenarioFinished"]["recorder"]
            interactions = recorder.get("interactions", {})
            for interaction in interactions.values():
                slowest = max(slowest, (interaction.get("response") or {}).get("elapsed") or 0.0)
            for case_id, results in recorder.get("checks", {}).items():
                for result in results:
                    checks[result["name"]][result["status"]] += 1
                    if result["status"] != "failure":
                        continue
                    failure = result["failure_info"]["failure"]
                    interaction = interactions.get(case_id) or {}
                    failures.append(
                        {
                            "check": result["name"],
                            "code": failure.get("code", ""),
                            "title": failure.get("title", ""),
                            "operation": failure.get("operation") or recorder.get("label", ""),
                            "message": failure.get("message", ""),
                            "phase": event["ScenarioFinished"].get("phase"),
                            "request": interaction.get("request"),
                            "response": interaction.get("response"),
                        }
                    )
    return {
        "checks": {k: dict(v) for k, v in checks.items()},
        "failures": failures,
        "errors": errors,
        "slowest": slowest,
    }


def collect(runs: dict) -> list[dict]:
    """Distinct failures: one per operation, check, title and answered status, with its first
    example, how often it happened and as whom."""
    distinct: dict[tuple, dict] = {}
    for identity, run in runs.items():
        for failure in run["failures"]:
            status = (failure.get("response") or {}).get("status_code")
            key = (failure["operation"], failure["check"], failure["title"], status)
            entry = distinct.setdefault(key, {**failure, "status": status, "count": 0, "identities": []})
            entry["count"] += 1
            if identity not in entry["identities"]:
                entry["identities"].append(identity)
    return sorted(distinct.values(), key=lambda f: (f["check"] != "not_a_server_error", f["operation"], f["check"]))


def _body(message: dict | None) -> bytes:
    if not message:
        return b""
    content = message.get("body") or message.get("content") or {}
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"])
    if isinstance(content, dict) and "string" in content:
        return content["string"].encode()
    return b""


def _shown(body: bytes) -> str:
    """A response body for a person: JSON with its Chinese readable, an HTML page by its title."""
    text = body.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)[:600]
    except ValueError:
        pass
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    if title:
        return f"HTML page «{title.group(1).strip()}» ({len(body)} bytes)"
    return text[:600]


def reproduction(failure: dict, tokens: dict[str, str], origin: str) -> str:
    """The request as Python (requests), with the token looked up by user rather than copied,
    and the same for Django's test client, ready for a test."""
    request = failure.get("request") or {}
    if not request:
        return "(no request recorded)"
    url = request["uri"].replace(origin, "")
    headers = {k: v[0] if isinstance(v, list) else v for k, v in (request.get("headers") or {}).items()}
    for drop in (
        "User-Agent",
        "Accept-Encoding",
        "Accept",
        "Connection",
        "Content-Length",
        "X-Schemathesis-TestCaseId",
    ):
        headers.pop(drop, None)
    who = ""
    auth = headers.get("Authorization", "")
    for user, token in tokens.items():
        if token and token in auth:
            headers["Authorization"] = auth.replace(token, "{token}")
            who = user
    body = _body(request)
    try:
        shown_body = repr(body.decode("utf-8")) + ".encode()" if body else "None"
    except UnicodeDecodeError:
        shown_body = repr(body)
    if len(shown_body) > 3000:
        shown_body = shown_body[:3000] + " ...(cut; the full body is in findings.json)"
    lines = ["import requests"]
    if who:
        lines.append(
            f"token = requests.post(BASE + '/api/v1/auth/token', json={{'username': '{who}', "
            "'password': 'govhall-demo'}).json()['token']"
        )
    shown_headers = (
        "{" + ", ".join(f"{k!r}: " + (f"f{v!r}" if "{token}" in v else repr(v)) for k, v in headers.items()) + "}"
    )
    lines.append(
        f"r = requests.request({request['method']!r}, BASE + {url!r}, headers={shown_headers}, data={shown_body})"
    )
    lines.append("print(r.status_code, r.text[:500])")
    content_type = headers.get("Content-Type", "")
    extra = "".join(
        f", {'HTTP_' + k.upper().replace('-', '_')}={('f' + repr(v)) if '{token}' in v else repr(v)}"
        for k, v in headers.items()
        if k != "Content-Type"
    )
    client = (
        f"client.generic({request['method']!r}, {url!r}, {shown_body if body else repr(b'')}, "
        f"content_type={content_type!r}{extra})"
    )
    return "\n".join(lines) + "\n# in a test: " + client


SERVER_ERROR_START = re.compile(
    r"(ERROR django\.request Internal Server Error: (\S+))|(\[ERROR\] Error handling request (\S+))"
)


def parse_server_log(path: Path) -> list[dict]:
    """Tracebacks in the server's log, grouped by exception and by the deepest frame in govhall."""
    if not path.exists():
        return []
    lines = path.read_text(errors="replace").splitlines()
    groups: dict[tuple, dict] = {}
    i = 0
    while i < len(lines):
        match = SERVER_ERROR_START.search(lines[i])
        if not match:
            i += 1
            continue
        request_path = match.group(2) or match.group(4) or ""
        frame, exception, j = "", "", i + 1
        while j < len(lines) and not SERVER_ERROR_START.search(lines[j]):
            line = lines[j]
            if line.startswith('  File "') and "/src/govhall/" in line:
                frame = line.strip() + " :: " + (lines[j + 1].strip() if j + 1 < len(lines) else "")
            elif line and not line.startswith((" ", "Traceback", "During handling", "The above")) and ":" in line:
                if re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt|Warning|[A-Z]\w+)(:|$)", line):
                    exception = line.strip()
            if line.startswith("[") and "[ERROR]" not in line and j > i + 1 and exception:
                break
            j += 1
        key = (exception[:200], frame)
        entry = groups.setdefault(key, {"exception": exception, "frame": frame, "count": 0, "paths": []})
        entry["count"] += 1
        if request_path not in entry["paths"] and len(entry["paths"]) < 5:
            entry["paths"].append(request_path)
        i = j
    return sorted(groups.values(), key=lambda g: -g["count"])


def report(out: Path, runs: dict, findings: list, server_errors: list, tokens, origin, seed, elapsed) -> None:
    names = sorted({name for run in runs.values() for name in run["checks"]})
    identities = list(runs)
    width = max([len(n) for n in names] + [28])
    print()
    print(f"{'check (failed / run)':{width}}  " + "  ".join(f"{i:>18}" for i in identities))
    for name in names:
        cells = []
        for identity in identities:
            counts = runs[identity]["checks"].get(name, {})
            cells.append(f"{counts.get('failure', 0):>6} / {sum(counts.values()):<9}")
        print(f"{name:{width}}  " + "  ".join(f"{c:>18}" for c in cells))
    print(f"{'slowest answer (s)':{width}}  " + "  ".join(f"{runs[i]['slowest']:>18.2f}" for i in identities))
    print(f"{'schemathesis errors':{width}}  " + "  ".join(f"{len(runs[i]['errors']):>18}" for i in identities))
    print(
        f"\n{len(findings)} distinct failures, {sum(g['count'] for g in server_errors)} server errors in the log "
        f"({len(server_errors)} distinct)"
    )

    md = [
        "# Fuzzing findings",
        "",
        f"seed {seed}, {elapsed:.0f}s; `BASE` is the server's origin (here {origin}); the demo's tokens come from "
        "`POST /api/v1/auth/token` (password `govhall-demo`).",
        "",
    ]
    for n, failure in enumerate(findings, 1):
        response = failure.get("response") or {}
        body = _shown(_body(response))
        md += [
            f"## {n}. {failure['operation']} — {failure['check']} ({failure['code']} {failure['title']})",
            "",
            f"- answered {failure['status']}, {failure['count']} time(s), as {', '.join(failure['identities'])}; "
            f"phase {failure['phase']}",
            "- " + (failure["message"] or "").replace("\n", "\n  "),
            f"- response body: `{body}`" if body else "- response body: (empty)",
            "",
            "```python",
            reproduction(failure, tokens, origin),
            "```",
            "",
        ]
    if server_errors:
        md += ["# Server errors in the log (grouped)", ""]
        for group in server_errors:
            md += [
                f"- {group['count']}× `{group['exception']}`",
                f"  - at `{group['frame']}`" if group["frame"] else "  - (no frame in govhall)",
                f"  - paths: {', '.join(group['paths'])}",
            ]
    for identity, run in runs.items():
        if run["errors"]:
            md += ["", f"# schemathesis errors ({identity})", ""] + [f"- {e}" for e in run["errors"]]
    (out / "findings.md").write_text("\n".join(md) + "\n")
    (out / "findings.json").write_text(
        json.dumps({"findings": findings, "server_errors": server_errors, "runs": runs}, ensure_ascii=False, indent=1)
    )
    for n, failure in enumerate(findings, 1):
        who = ",".join(failure["identities"])
        print(
            f"  {n:>2}. [{failure['check']}] {failure['operation']} -> {failure['status']} ({who}, x{failure['count']})"
        )
    for group in server_errors:
        print(f"  server: {group['count']}x {group['exception'][:150]}  {group['paths'][:2]}")
    for identity, run in runs.items():
        for error in run["errors"][:5]:
            print(f"  schemathesis error ({identity}): {error[:300]}")
    print(f"details and reproductions: {out / 'findings.md'}")


def prepare() -> dict:
    """In the site's process: the demo, and the identifiers it made, for the dictionaries."""
    prepare_in_process(demo_cases=True)
    from govhall.accounts.models import Applicant
    from govhall.cases.models import Case, Document, SubmittedMaterial
    from govhall.catalog.models import MaterialRequirement, ServiceItem
    from govhall.licences.models import Licence

    return {
        "numbers": sorted(Case.objects.values_list("number", flat=True))
        + sorted(Licence.objects.values_list("number", flat=True)),
        "items": sorted(ServiceItem.objects.filter(status="published").values_list("code", flat=True)),
        "documents": sorted(Document.objects.values_list("pk", flat=True)),
        "materials": sorted(SubmittedMaterial.objects.values_list("pk", flat=True)),
        "requirements": sorted(MaterialRequirement.objects.values_list("pk", flat=True))[:200],
        "phones": sorted({p[-4:] for p in Applicant.objects.exclude(phone="").values_list("phone", flat=True)}),
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["_prepare"]:
        print(json.dumps(prepare()))
    else:
        sys.exit(main())
