"""Throughput of filing a bundle case (一件事) through the API, next to filing the same member
items as single cases (the baseline), on the same server in the same run.

    .venv/bin/python bench/bundles.py [--clients 8] [--seconds 5] [--rounds 3] [--workers 2]
    DATABASE_URL=postgres://... .venv/bin/python bench/bundles.py      # on PostgreSQL

Serves the project with gunicorn (``--workers`` sync processes, one per core by default) on
127.0.0.1; every client is a distinct applicant with its own bearer token (bench/submit.py's).
Bundle phase: each client files 新生儿出生一件事 (both situations answered 否: four member
cases of three departments): POST /bundle-cases with the one form, one POST
/bundle-cases/{n}/materials per material still missing (a real ~2 KB PDF, attached to every
member that needs it), POST /bundle-cases/{n}/submit. Single phase: each client files the
same four items one by one: POST /cases, its materials, POST /cases/{n}/submit. The phases
alternate for ``--rounds`` rounds. Prints member cases filed and submitted per second for
both (median of rounds), requests/s and p50/p95 latency, and the ratio bundle/single per
member case (median of the rounds' ratios): above 1 the bundle costs less per member case.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import serve, setup_django
from catalog_search import percentile
from submit import Client, Phase, cores, multipart, pdf_bytes, prepare, run_phase

BUNDLE = "newborn"
FORM = {"新生儿姓名": "张小宝", "监护人姓名": "张明", "联系电话": "13800000001"}


def plan() -> tuple[dict[str, int], list[tuple[str, dict]]]:
    """The answers leaving out the optional members, and (item code, form) of each member the
    bundle files with them: the single-case baseline files exactly these."""
    from govhall.bundles import services
    from govhall.catalog import bundles as catalog_bundles
    from govhall.catalog.demo import bundles as demo_bundles

    demo_bundles.load()
    bundle, _, _, _ = services.plan(BUNDLE, {})
    answers = {str(s.id): s.options.order_by("order").last().id for s in bundle.situations.all()}
    _, _, applying, fields = services.plan(BUNDLE, answers)
    clean = {f.name: FORM[f.name] for f in fields if f.name in FORM}
    return answers, [(item.code, catalog_bundles.member_form(fields, clean, item.code)) for _, item in applying]


class BenchClient(Client):
    def post_json(self, path: str, body: dict) -> dict:
        return self.call("POST", path, json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def file_bundle(self, pdf: bytes, answers: dict) -> None:
        created = self.post_json("/bundle-cases", {"bundle_code": BUNDLE, "answers": answers, "form": FORM})
        number = created["number"]
        for material in created["materials"]:
            if material["required"] and not material["supplied"]:
                body, content_type = multipart({"name": material["name"]}, pdf)
                self.call("POST", f"/bundle-cases/{number}/materials", body, content_type)
        submitted = self.call("POST", f"/bundle-cases/{number}/submit", b"", "application/json")
        assert submitted["status"] == "submitted", submitted["status"]
        self.cases += len(submitted["members"])

    def file_singles(self, pdf: bytes, members: list[tuple[str, dict]]) -> None:
        for item_code, form in members:
            created = self.post_json("/cases", {"item_code": item_code, "form": form})
            number = created["number"]
            for entry in created["checklist"]:
                if entry["required"] and not entry["supplied"]:
                    body, content_type = multipart({"requirement_id": str(entry["requirement_id"])}, pdf)
                    self.call("POST", f"/cases/{number}/materials", body, content_type)
            submitted = self.call("POST", f"/cases/{number}/submit", b"", "application/json")
            assert submitted["state"] == "submitted", submitted["state"]
            self.cases += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="single and bundle phases alternate this many times")
    parser.add_argument("--workers", type=int, default=cores(), help="gunicorn worker processes (one per core)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    args = parser.parse_args()
    setup_django("bench-bundles")
    from django.db import connection

    tokens = prepare(args.clients)
    answers, members = plan()
    pdf = pdf_bytes()
    from govhall.bundles.models import BundleCase
    from govhall.cases.models import Case

    cases_before, bundles_before = Case.objects.count(), BundleCase.objects.count()
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + uuid.uuid4().hex,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "GOVHALL_TASKS": "db",
    }
    single: list[Phase] = []
    bundle: list[Phase] = []
    with serve(env=env, workers=args.workers, threads=args.threads) as server:
        clients = [BenchClient(server.base, t) for t in tokens]
        for c in clients:  # warm up every worker on both paths
            c.file_bundle(pdf, answers)
            c.file_singles(pdf, members)
        for _ in range(args.rounds):
            single.append(run_phase(server, clients, args.seconds, lambda c: c.file_singles(pdf, members)))
            bundle.append(run_phase(server, clients, args.seconds, lambda c: c.file_bundle(pdf, answers)))
    print(
        f"database: {connection.vendor}, clients: {args.clients}, gunicorn: {args.workers} workers x "
        f"{args.threads} threads, {args.rounds} rounds of {args.seconds:.0f}s per phase, "
        f"{cases_before} cases and {bundles_before} bundle cases in the database before the run; "
        f"{BUNDLE}: {len(members)} member cases"
    )
    for label, phases in (("single cases (baseline)", single), ("bundle cases          ", bundle)):
        lat = [x for p in phases for x in p.latencies]
        rps = statistics.median(p.rps for p in phases)
        per_s = statistics.median(p.cases / args.seconds for p in phases)
        worker = [p.worker_ms for p in phases if p.worker_ms is not None]
        cpu = f"  workers {statistics.median(worker):.2f} ms CPU/req" if worker else ""
        print(
            f"{label} {per_s:6.1f} member cases/s ({per_s / len(members):5.2f} bundles' worth)  "
            f"{rps:6.1f} req/s  p50 {percentile(lat, 50):6.1f} ms  p95 {percentile(lat, 95):6.1f} ms"
            f"  {sum(p.failures for p in phases)} failures  CPU busy {phases[len(phases) // 2].busy}{cpu}"
        )
    ratios = sorted(b.cases / s.cases for s, b in zip(single, bundle, strict=True) if s.cases)
    print(
        f"ratio bundle/single, member cases per second: {statistics.median(ratios):.2f} median of rounds "
        f"({', '.join(f'{r:.2f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
