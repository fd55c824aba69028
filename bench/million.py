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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_django("bench-million")
    from django.db import connection

    began = time.perf_counter()
    total = ensure_cases(args.cases, seed=args.seed, progress=True)
    took = time.perf_counter() - began
    print(json.dumps({"database": connection.vendor, "cases": total, "seconds": round(took, 1)}))


if __name__ == "__main__":
    main()
