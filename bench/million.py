"""Fill the cases table (cases_case) with N realistic cases, fast, for the benchmarks that need
a big table (bench/sweep.py, bench/stats.py).

    .venv/bin/python bench/million.py --cases 1000000
    DATABASE_URL=postgres://... .venv/bin/python bench/million.py --cases 1000000

PostgreSQL: one ``COPY cases_case (...) FROM STDIN`` (psycopg's ``cursor.copy``); SQLite:
``executemany`` of one INSERT, in batches. The catalogue, the hall and the staff come from
the demo loaders; 2,000 bench applicants are made once. Idempotent: cases are numbered
``BM<seed>-<n>``, and a second run tops the table up to N (it never deletes).

Spreads (seeded, so two runs with one seed give the same table):

* items: every published demo item, their departments and promised limits (即办件 0 days);
* accepted over the last 12 months (working hours); channels online 55 %, window 35 %,
  assisted (帮办代办) 10 %; window cases name one of the hall's windows;
* ~85 % concluded (delivered, issued, denied, rejected, withdrawn, revoked, approved), the
  decision within the limit for ~96 % of them; ~15 % open, accepted within about their limit:
  most under review with a running clock (some of them overdue), some suspended or back for
  a correction (clock stopped, no due date), some submitted and not accepted yet.

Interface for other benchmarks (after ``_server.setup_django``): ``ensure_cases(n, seed=1) -> int``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import setup_django

APPLICANTS = 2000
BATCH = 20_000
OPEN_SHARE = 0.15


def _prepare():
    """Migrate, the demo catalogue and accounts, the bench applicants: (items, applicants,
    hall id, window ids, clerk id, assistant id)."""
    from govhall.accounts import demo as accounts_demo
    from govhall.accounts.models import Applicant, Hall, User, Window
    from govhall.accounts.validators import id_number_check_char
    from govhall.catalog import demo as catalog_demo
    from govhall.catalog.models import ServiceItem

    if not ServiceItem.objects.filter(status="published").exists():
        catalog_demo.load()
    if not User.objects.filter(username="clerk").exists():
        accounts_demo.load()
    have = Applicant.objects.filter(name__startswith="压测申请人").count()
    if have < APPLICANTS:
        users = [
            User(username=f"bench-applicant-{i:05d}", display_name=f"压测申请人{i}")
            for i in range(have, APPLICANTS)
            if not User.objects.filter(username=f"bench-applicant-{i:05d}").exists()
        ]
        User.objects.bulk_create(users, batch_size=1000)
        made = {u.username: u.pk for u in User.objects.filter(username__startswith="bench-applicant-")}
        rows = []
        for i in range(have, APPLICANTS):
            # region, birth date (unique per i), sequence: 17 digits
            body = f"610104{1960 + i // 336:04d}{(i // 28) % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
            rows.append(
                Applicant(
                    kind="natural",
                    name=f"压测申请人{i}",
                    id_number=body + id_number_check_char(body),
                    phone=f"139{i:08d}",
                    user_id=made[f"bench-applicant-{i:05d}"],
                )
            )
        Applicant.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    applicants = list(
        Applicant.objects.filter(name__startswith="压测申请人").order_by("pk").values_list("pk", "user_id")
    )
    items = list(
        ServiceItem.objects.filter(status="published")
        .order_by("pk")
        .values_list("pk", "department_id", "promised_days", "is_instant")
    )
    hall = Hall.objects.order_by("pk").first()
    windows = list(Window.objects.filter(hall=hall).order_by("pk").values_list("pk", flat=True))
    clerk = User.objects.get(username="clerk").pk
    assistant = User.objects.get(username="assistant").pk
    return items, applicants, hall.pk, windows, clerk, assistant


# state, share among concluded cases
CONCLUDED = [
    ("delivered", 0.78),
    ("issued", 0.06),
    ("approved", 0.02),
    ("denied", 0.03),
    ("rejected", 0.05),
    ("withdrawn", 0.05),
    ("revoked", 0.01),
]
# state, share among open cases
OPEN = [("accepted", 0.78), ("suspended", 0.05), ("correction_requested", 0.05), ("submitted", 0.12)]


def _pick(rng: random.Random, table):
    x = rng.random()
    for value, share in table:
        x -= share
        if x < 0:
            return value
    return table[-1][0]


class _Rows:
    """Builds one case row (a tuple in ``columns`` order) at a time."""

    def __init__(self, seed: int, today: dt.date):
        from django.utils import timezone

        from govhall.cases.models import Case
        from govhall.workdays.selectors import get_calendar

        self.items, self.applicants, self.hall, self.windows, self.clerk, self.assistant = _prepare()
        self.calendar = get_calendar()
        self.today = today
        self.tz = timezone.get_current_timezone()
        self.seed = seed
        fields = [f for f in Case._meta.concrete_fields if f.column != "id"]
        self.columns = [f.column for f in fields]
        # every column this loader does not set gets the model's default (columns other apps
        # add later too); JSON defaults as their text
        self.defaults = {
            f.column: (json.dumps(f.get_default()) if f.get_internal_type() == "JSONField" else f.get_default())
            for f in fields
        }
        self._due: dict[tuple[dt.date, int], tuple[dt.date, bool]] = {}
        self._add: dict[tuple[dt.date, int], dt.date] = {}

    def due(self, accepted: dt.date, limit: int) -> tuple[dt.date, bool]:
        key = (accepted, limit)
        found = self._due.get(key)
        if found is None:
            d = self.calendar.due_date(accepted, limit)
            found = self._due[key] = (d.due_date, d.provisional)
        return found

    def at(self, day: dt.date, rng: random.Random) -> dt.datetime:
        seconds = rng.randint(9 * 3600, 17 * 3600 + 1800)
        return dt.datetime.combine(day, dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60), self.tz)

    def row(self, n: int) -> tuple:
        rng = random.Random(self.seed * 1_000_003 + n)
        item, department, promised, instant = rng.choice(self.items)
        applicant, applicant_user = rng.choice(self.applicants)
        x = rng.random()
        channel = "online" if x < 0.55 else ("window" if x < 0.90 else "assisted")
        filed_by = applicant_user if channel == "online" else (self.clerk if channel == "window" else self.assistant)
        window = rng.choice(self.windows) if channel == "window" and self.windows else None
        limit = 0 if instant else promised
        is_open = rng.random() < OPEN_SHARE
        if is_open:
            state = _pick(rng, OPEN)
            # mostly within the limit (calendar days ~ 1.3 x working days); ~6 % long overdue
            span = (int(limit * 1.5) + 1, int(limit * 2.5) + 8) if rng.random() < 0.06 else (0, int(limit * 1.3) + 1)
            accepted = self.today - dt.timedelta(days=rng.randint(*span))
        else:
            state = _pick(rng, CONCLUDED)
            accepted = self.today - dt.timedelta(days=rng.randint(int(limit * 1.6) + 1, 365))
        submitted_at = self.at(accepted - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2))), rng)
        v = dict(self.defaults)
        v.update(
            number=f"BM{self.seed}-{n:08d}",
            item_id=item,
            applicant_id=applicant,
            filed_by_id=filed_by,
            channel=channel,
            state=state,
            version=3,
            department_id=department,
            hall_id=self.hall,
            intake_window_id=window,
            situation_answers="{}",
            form="{}",
            extended_workdays=0,
            due_provisional=False,
            clock_paused=False,
            licence_number="",
            approval_basis="",
            decision_reason="",
            decision_legal_basis="",
            delivery_mode="",
            delivery_address="",
            tracking_number="",
            created_at=submitted_at - dt.timedelta(minutes=rng.randint(5, 600)),
            submitted_at=submitted_at,
            last_event_hash="",
            event_count=0,
        )
        if state in ("submitted", "rejected", "withdrawn") and (state == "submitted" or rng.random() < 0.5):
            # never accepted: rejected at pre-review, withdrawn before acceptance, or waiting
            v["updated_at"] = submitted_at
            if state != "submitted":
                v["closed_at"] = submitted_at + dt.timedelta(hours=rng.randint(1, 30))
                v["updated_at"] = v["closed_at"]
            return tuple(v[c] for c in self.columns)
        accepted_at = self.at(accepted, rng)
        due, provisional = self.due(accepted, limit)
        v.update(
            limit_workdays=limit,
            accepted_on=accepted,
            accepted_at=accepted_at,
            due_date=due,
            due_provisional=provisional,
        )
        if state in ("suspended", "correction_requested"):
            v.update(due_date=None, clock_paused=True)
        elif not is_open and state != "withdrawn":
            late = rng.random() < 0.04
            used = limit + rng.randint(1, 5) if late else rng.randint(0, limit)
            decided = self.calendar.add_workdays(accepted, used)
            decided_at = self.at(decided, rng)
            v.update(decided_at=decided_at, approval_basis="instant" if instant else "review")
            if state in ("issued", "delivered", "revoked"):
                v["issued_at"] = decided_at + dt.timedelta(hours=rng.randint(1, 48))
            if state in ("delivered", "denied", "revoked"):
                v["closed_at"] = decided_at + dt.timedelta(days=rng.randint(1, 5))
        elif state == "withdrawn":
            v["closed_at"] = accepted_at + dt.timedelta(days=rng.randint(1, 5))
        v["updated_at"] = v.get("closed_at") or v.get("decided_at") or accepted_at
        return tuple(v[c] for c in self.columns)


def count(seed: int = 1) -> int:
    from govhall.cases.models import Case

    return Case.objects.filter(number__startswith=f"BM{seed}-").count()


def ensure_cases(n: int, *, seed: int = 1, today: dt.date | None = None, progress: bool = False) -> int:
    """Top the table up to ``n`` bench cases of ``seed``; returns how many there are."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    have = count(seed)
    if have >= n:
        return have
    rows = _Rows(seed, today or timezone.localdate())
    # continue after the highest number made so far (a run stopped half-way left a gap at most)
    from govhall.cases.models import Case

    last = Case.objects.filter(number__startswith=f"BM{seed}-").order_by("-number").values_list("number", flat=True)
    start = int(last[0].split("-")[1]) + 1 if have else 0
    table = connection.ops.quote_name(Case._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in rows.columns)
    began = time.perf_counter()
    todo = n - have
    done = 0
    while done < todo:
        size = min(BATCH * 5 if connection.vendor == "postgresql" else BATCH, todo - done)
        batch = [rows.row(start + done + i) for i in range(size)]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(rows.columns))
                adapt = connection.ops.adapt_datetimefield_value
                batch = [tuple(adapt(x) if isinstance(x, dt.datetime) else x for x in row) for row in batch]
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
        done += size
        if progress:
            rate = done / (time.perf_counter() - began)
            print(f"  {have + done:>9,} cases ({rate:,.0f}/s)", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return count(seed)


# --------------------------------------------------------------------------- history and items
#
# What a hall's database holds beside the cases, for the mixed load (bench/load/): every bench
# case's timeline, its materials' metadata (no files), evaluations of a share of concluded
# cases, and a catalogue of published items. PostgreSQL only (server-side INSERT ... SELECT
# from the cases already loaded, and COPY for the items); idempotent: a case whose
# ``event_count`` is still 0 has none of the three yet, and all three are written in one
# transaction per chunk of cases.

CHUNK = 100_000
EVALUATED_SHARE = 30  # percent of delivered/issued/approved/denied cases with an evaluation

# One row per possible event, in order; a NULL ``at`` drops the event. ``c`` is the case,
# ``u`` the bench's staff ids. Consistent with the loader's states: created and submitted;
# accepted (or rejected/withdrawn before acceptance); paused; reviewed, decided, issued,
# delivered/revoked; withdrawn after acceptance.
_EVENTS = """
    (1, 'create', c.filed_by_id, '', 'draft', c.created_at),
    (2, 'submit', c.filed_by_id, 'draft', 'submitted', c.submitted_at),
    (3, 'reject', u.clerk, 'submitted', 'rejected',
        CASE WHEN c.state = 'rejected' AND c.accepted_at IS NULL THEN c.closed_at END),
    (4, 'withdraw', c.filed_by_id, 'submitted', 'withdrawn',
        CASE WHEN c.state = 'withdrawn' AND c.accepted_at IS NULL THEN c.closed_at END),
    (5, 'accept', u.clerk, 'submitted', 'accepted', c.accepted_at),
    (6, 'suspend', u.reviewer, 'accepted', 'suspended',
        CASE WHEN c.state = 'suspended' THEN c.accepted_at + interval '1 day' END),
    (7, 'request_correction', u.reviewer, 'accepted', 'correction_requested',
        CASE WHEN c.state = 'correction_requested' THEN c.accepted_at + interval '1 day' END),
    (8, 'review', u.reviewer, 'accepted', 'accepted', c.decided_at - interval '2 hours'),
    (9, CASE WHEN c.state = 'denied' THEN 'deny' ELSE 'approve' END, u.approver, 'accepted',
        CASE WHEN c.state = 'denied' THEN 'denied' ELSE 'approved' END, c.decided_at),
    (10, 'issue', u.clerk, 'approved', 'issued', c.issued_at),
    (11, CASE WHEN c.state = 'revoked' THEN 'revoke' ELSE 'deliver' END, u.clerk, 'issued', c.state,
        CASE WHEN c.state IN ('delivered', 'revoked') THEN c.closed_at END),
    (12, 'withdraw', c.filed_by_id, 'accepted', 'withdrawn',
        CASE WHEN c.state = 'withdrawn' AND c.accepted_at IS NOT NULL THEN c.closed_at END)
"""


def _staff_ids() -> dict[str, int]:
    from govhall.accounts.models import User

    return {u: User.objects.get(username=u).pk for u in ("clerk", "reviewer", "approver")}


def ensure_history(*, seed: int = 1, progress: bool = False) -> dict[str, int]:
    """Timelines, materials metadata and evaluations for the bench cases of ``seed`` that have
    none yet (PostgreSQL). Returns how many rows each table got in this call."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise SystemExit("the history loader needs PostgreSQL (DATABASE_URL=postgres://...)")
    staff = _staff_ids()
    made = {"events": 0, "materials": 0, "evaluations": 0}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM cases_case WHERE number LIKE %s AND event_count = 0", [f"BM{seed}-%"]
        )
        low, high = cursor.fetchone()
    if low is None:
        return made
    began = time.perf_counter()
    ids = "c.id BETWEEN %(lo)s AND %(hi)s AND c.number LIKE %(prefix)s AND c.event_count = 0"
    for lo in range(low, high + 1, CHUNK):
        params = {"lo": lo, "hi": lo + CHUNK - 1, "prefix": f"BM{seed}-%", **staff, "share": EVALUATED_SHARE}
        with transaction.atomic(), connection.cursor() as cursor:
            # materials: the item's unconditional required materials (three at most), uploaded
            # by whoever filed the case before submitting it; metadata only, no file
            cursor.execute(
                f"""
                INSERT INTO cases_submittedmaterial (case_id, requirement_id, source, file, original_name,
                    content_type, size, sha256, licence_number, uploaded_by_id, uploaded_at, current)
                SELECT c.id, r.id, CASE WHEN c.channel = 'online' THEN 'upload' ELSE 'scan' END, '',
                    left(r.name, 190) || '.pdf', 'application/pdf', 20000 + (c.id * 7919 + r.id) %% 400000,
                    encode(sha256(convert_to(c.id || '/' || r.id, 'UTF8')), 'hex'), '', c.filed_by_id,
                    c.submitted_at - interval '10 minutes', true
                FROM cases_case c
                CROSS JOIN LATERAL (
                    SELECT m.id, m.name FROM catalog_materialrequirement m
                    WHERE m.item_id = c.item_id AND m.required AND NOT m.conditional
                    ORDER BY m."order", m.id LIMIT 3
                ) r
                WHERE {ids}
                """,
                params,
            )
            made["materials"] += cursor.rowcount
            # evaluations: a share of the concluded cases with a decision, mostly satisfied
            cursor.execute(
                f"""
                INSERT INTO evaluations_evaluation (subject, case_id, item_id, department_id, hall_id,
                    window_id, staff_id, applicant_id, evaluator_id, channel, level, indicator_set,
                    indicators, comment, case_state, created_at)
                SELECT 'case', c.id, c.item_id, c.department_id, c.hall_id, c.intake_window_id, NULL,
                    c.applicant_id, CASE WHEN c.channel = 'online' THEN c.filed_by_id END,
                    CASE WHEN c.channel = 'window' THEN 'PJQ' ELSE 'PC' END, v.level,
                    CASE WHEN c.channel = 'window' THEN 'window' ELSE 'online' END,
                    CASE WHEN c.channel = 'window'
                        THEN jsonb_build_object('overall', v.level, 'service_efficiency', v.level,
                            'service_level', v.level, 'attitude', v.level)
                        ELSE jsonb_build_object('overall', v.level, 'efficiency', v.level,
                            'guide_accuracy', v.level, 'convenience', v.level, 'usability', v.level) END,
                    '', c.state, coalesce(c.closed_at, c.issued_at, c.decided_at) + interval '1 hour'
                FROM cases_case c
                CROSS JOIN LATERAL (SELECT CASE WHEN c.id %% 100 < 2 THEN 1 WHEN c.id %% 100 < 4 THEN 2
                    WHEN c.id %% 100 < 10 THEN 3 WHEN c.id %% 100 < 35 THEN 4 ELSE 5 END AS level) v
                WHERE {ids} AND c.state IN ('delivered', 'issued', 'approved', 'denied')
                    AND (c.id * 37) %% 100 < %(share)s
                ON CONFLICT DO NOTHING
                """,
                params,
            )
            made["evaluations"] += cursor.rowcount
            # the timeline, a plausible hash chain (sha256 of case and seq: it does not verify),
            # and the case's event_count / last_event_hash in the same statement
            cursor.execute(
                f"""
                WITH u AS (SELECT %(clerk)s::int AS clerk, %(reviewer)s::int AS reviewer,
                        %(approver)s::int AS approver),
                e AS (
                    SELECT c.id AS case_id, ev.action, ev.actor, ev.from_state, ev.to_state, ev.at,
                        row_number() OVER (PARTITION BY c.id ORDER BY ev.k) AS seq
                    FROM cases_case c CROSS JOIN u
                    CROSS JOIN LATERAL (VALUES {_EVENTS}) AS ev(k, action, actor, from_state, to_state, at)
                    WHERE {ids} AND ev.at IS NOT NULL
                ),
                ins AS (
                    INSERT INTO cases_timelineevent (case_id, seq, action, actor_id, actor_name, actor_role,
                        from_state, to_state, comment, data, created_at, prev_hash, hash)
                    SELECT e.case_id, e.seq, e.action, e.actor, '', CASE
                            WHEN e.actor = (SELECT clerk FROM u) THEN 'clerk'
                            WHEN e.actor = (SELECT reviewer FROM u) THEN 'reviewer'
                            WHEN e.actor = (SELECT approver FROM u) THEN 'chief_approver'
                            ELSE 'applicant' END,
                        e.from_state, e.to_state, '', '{{}}'::jsonb, e.at,
                        CASE WHEN e.seq = 1 THEN ''
                            ELSE encode(sha256(convert_to(e.case_id || ':' || (e.seq - 1), 'UTF8')), 'hex') END,
                        encode(sha256(convert_to(e.case_id || ':' || e.seq, 'UTF8')), 'hex')
                    FROM e
                    RETURNING case_id, seq, hash
                ),
                last AS (SELECT DISTINCT ON (case_id) case_id, seq, hash FROM ins ORDER BY case_id, seq DESC)
                UPDATE cases_case SET event_count = last.seq, last_event_hash = last.hash
                FROM last WHERE cases_case.id = last.case_id
                """,
                params,
            )
            cursor.execute("SELECT count(*) FROM cases_timelineevent WHERE case_id BETWEEN %(lo)s AND %(hi)s", params)
            made["events"] += cursor.fetchone()[0]
        if progress:
            took = time.perf_counter() - began
            print(f"  history up to case id {lo + CHUNK - 1:,}: {made} ({took:.0f}s)", flush=True)
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_timelineevent", "cases_submittedmaterial", "evaluations_evaluation"):
            cursor.execute(f"ANALYZE {table}")
    return made


ITEM_VARIANTS = "（分中心） （自贸区） （高新区） （经开区） （曲江） （浐灞） （港务区） （国际港）".split()


def ensure_items(n: int = 10_000, *, progress: bool = False) -> int:
    """Top the published catalogue up to ``n`` items (PostgreSQL, COPY): copies of the demo
    items (each with its materials and search document) spread over every department, coded
    ``LD-000001``... Returns how many published items there are."""
    from django.db import connection, transaction

    from govhall.catalog import search
    from govhall.catalog.models import CatalogRevision, Department, MaterialRequirement, SearchDocument, ServiceItem

    have = ServiceItem.objects.filter(status="published").count()
    if have >= n:
        return have
    if connection.vendor != "postgresql":
        raise SystemExit("the item loader needs PostgreSQL (DATABASE_URL=postgres://...)")
    made_before = ServiceItem.objects.filter(code__startswith="LD-").count()
    templates = list(
        ServiceItem.objects.filter(status="published").exclude(code__startswith="LD-").order_by("pk").values()
    )
    departments = list(Department.objects.order_by("pk").values_list("pk", "name"))
    dept_terms = {pk: sorted(search.text_terms(name)) for pk, name in departments}
    docs = {d.item_id: d.terms for d in SearchDocument.objects.filter(item_id__in=[t["id"] for t in templates])}
    materials: dict[int, list[dict]] = {}
    template_ids = [t["id"] for t in templates]
    for m in MaterialRequirement.objects.filter(item_id__in=template_ids).order_by("order", "pk").values():
        materials.setdefault(m["item_id"], []).append(m)
    item_fields = [f for f in ServiceItem._meta.concrete_fields if f.column != "id"]
    mat_fields = [f for f in MaterialRequirement._meta.concrete_fields if f.column not in ("id",)]

    def value(field, v):
        if field.get_internal_type() == "JSONField":
            return json.dumps(v, ensure_ascii=False)
        return v

    todo = n - have
    began = time.perf_counter()
    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        columns = ", ".join(q(f.column) for f in item_fields)
        codes = []
        with raw.copy(f"COPY catalog_serviceitem ({columns}) FROM STDIN") as copy:
            for i in range(made_before, made_before + todo):
                t = dict(templates[i % len(templates)])
                variant = i // len(templates)
                dept, _ = departments[i % len(departments)]
                t.update(
                    code=f"LD-{i:06d}",
                    base_code=f"LD-{i:06d}",
                    version=1,
                    name=t["name"] + ITEM_VARIANTS[variant % len(ITEM_VARIANTS)] + str(variant // len(ITEM_VARIANTS)),
                    department_id=dept,
                    status="published",
                )
                codes.append((t["code"], t["id"] if "id" in t else None, dept))
                copy.write_row([value(f, t[f.attname]) for f in item_fields])
        new = dict(ServiceItem.objects.filter(code__startswith="LD-").values_list("code", "pk"))
        mat_columns = ", ".join(q(f.column) for f in mat_fields)
        with raw.copy(f"COPY catalog_materialrequirement ({mat_columns}) FROM STDIN") as copy:
            for i, (code, _, _) in enumerate(codes, start=made_before):
                template = templates[i % len(templates)]
                for m in materials.get(template["id"], []):
                    row = dict(m, item_id=new[code])
                    copy.write_row([value(f, row[f.attname]) for f in mat_fields])
        with raw.copy("COPY catalog_searchdocument (item_id, terms) FROM STDIN") as copy:
            for i, (code, _, dept) in enumerate(codes, start=made_before):
                template = templates[i % len(templates)]
                terms = dict(docs.get(template["id"], {}))
                terms["department"] = dept_terms[dept]
                copy.write_row([new[code], json.dumps(terms, ensure_ascii=False)])
        CatalogRevision.objects.update_or_create(pk=1, defaults={"number": int(time.time() * 1000)})
        for table in ("catalog_serviceitem", "catalog_materialrequirement", "catalog_searchdocument"):
            cursor.execute(f"ANALYZE {table}")
    total = ServiceItem.objects.filter(status="published").count()
    if progress:
        print(f"  catalogue: {total:,} published items ({todo:,} made in {time.perf_counter() - began:.1f}s)")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--full",
        action="store_true",
        help="also timelines, materials, evaluations and --items published items (PostgreSQL)",
    )
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    setup_django("bench-million")
    from django.db import connection

    began = time.perf_counter()
    total = ensure_cases(args.cases, seed=args.seed, progress=True)
    figures = {"database": connection.vendor, "cases": total, "cases_seconds": round(time.perf_counter() - began, 1)}
    if args.full:
        step = time.perf_counter()
        figures["items"] = ensure_items(args.items, progress=True)
        figures["items_seconds"] = round(time.perf_counter() - step, 1)
        step = time.perf_counter()
        figures["history_made"] = ensure_history(seed=args.seed, progress=True)
        figures["history_seconds"] = round(time.perf_counter() - step, 1)
        from govhall.cases.models import SubmittedMaterial, TimelineEvent
        from govhall.evaluations.models import Evaluation

        figures["rows"] = {
            "timeline_events": TimelineEvent.objects.count(),
            "materials": SubmittedMaterial.objects.count(),
            "evaluations": Evaluation.objects.count(),
        }
    figures["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
