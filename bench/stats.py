"""The statistics dashboard's aggregates over a big cases table, next to the raw ``GROUP BY``
statements of the same figures, in the same run.

    .venv/bin/python bench/stats.py --cases 1000000
    DATABASE_URL=postgres://govhall:govhall@127.0.0.1:5432/govhall_stats .venv/bin/python bench/stats.py

The table is filled by ``bench/million.ensure_cases`` (COPY on PostgreSQL). Both sides compute
the dashboard's figures over the last 365 days for an administrator (everything in scope):

* **dashboard**: ``stats.selectors.figures`` — the ORM queries the page, export and API run,
  with the scope filter, the Python that maps per-day counts to working days and sums the
  grouped rows;
* **raw**: the same figures as hand-written SQL (``GROUP BY`` day / department / item and
  conditional counts), run one after the other on a cursor, rows fetched, nothing else.

Each side runs ``--repeat`` times alternately after one warm-up each; the best and median
times are printed with the ratio dashboard/raw (target: within 2x). One JSON line at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import setup_django


def _raw_statements(start: dt.date, end: dt.date, today: dt.date) -> list[tuple[str, list]]:
    """The dashboard's figures as plain SQL (PostgreSQL or SQLite), with their parameters."""
    from django.db import connection
    from django.utils import timezone

    from govhall.cases.models import Case, Deferral, Pause
    from govhall.catalog.models import ServiceItem
    from govhall.lockers.models import Parcel
    from govhall.stats import selectors

    q = connection.ops.quote_name
    T, IT, P, DF, PA = (q(m._meta.db_table) for m in (Case, ServiceItem, Parcel, Deferral, Pause))
    pg = connection.vendor == "postgresql"
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    if not pg:
        lo, hi = (connection.ops.adapt_datetimefield_value(x) for x in (lo, hi))
    offset = int(dt.datetime.now(tz).utcoffset().total_seconds() // 3600)

    def day(column: str) -> str:
        return f"(({column}) AT TIME ZONE '{tz.key}')::date" if pg else f"date({column}, '{offset:+d} hours')"

    least = "LEAST" if pg else "MIN"
    false = "false" if pg else "0"
    true = "true" if pg else "1"
    clocked = "('accepted', 'suspended', 'correction_requested')"
    submitted = "c.state <> 'draft' AND c.submitted_at >= %s AND c.submitted_at < %s"
    decided = "c.state <> 'draft' AND c.decided_at >= %s AND c.decided_at < %s AND c.accepted_on IS NOT NULL"
    dropped = f"c.id IN (SELECT p.case_id FROM {P} p WHERE p.kind = 'dropoff' AND p.status IN ('dropped', 'collected'))"
    no_trip = "c.delivery_mode IN ('electronic', 'mail')"

    def n(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    online = "c.channel = 'online'"
    instant = f"i.is_instant = {true}"
    counts = ", ".join(
        [
            "COUNT(*)",
            n(online),
            n("c.channel = 'window'"),
            n("c.channel = 'assisted'"),
            n(f"{online} AND i.online_depth = 'full_online'"),
            n(f"{online} AND {no_trip}"),
            n(f"NOT {online} AND {no_trip}"),
            n(instant),
        ]
    )
    # the few cases that went through a locker, from the parcels' side
    in_locker = (
        f"c.id IN (SELECT p.case_id FROM {P} p WHERE (p.kind = 'dropoff' AND p.status IN ('dropped', 'collected')) "
        "OR (p.kind = 'pickup' AND p.status IN ('deposited', 'picked_up', 'retrieved')))"
    )
    lockers = ", ".join(
        [
            "COUNT(*)",
            n(f"{online} AND {no_trip} AND {dropped}"),
            n(f"{online} AND NOT {no_trip} AND {dropped}"),
            n(f"NOT {online} AND {no_trip} AND {dropped}"),
        ]
    )
    timely = ", ".join(
        [
            "COUNT(*)",
            n("c.due_date < " + day("c.decided_at")),
            "SUM(i.statutory_days)",
            "SUM(i.promised_days)",
            "SUM(COALESCE(c.limit_workdays, i.promised_days))",
            n(instant),
            n(f"{instant} AND c.accepted_on = " + day("c.decided_at")),
        ]
    )
    deferred = ", ".join(
        [
            "COUNT(DISTINCT d.case_id)",
            "COUNT(*)",
            n("d.status = 'pending'"),
            n("d.status = 'received'"),
            n("d.status = 'confirmed'"),
            n("d.status = 'pending' AND d.due_date < %s"),
        ]
    )
    catalogue = ", ".join(
        [
            "COUNT(*)",
            n("i.online_depth <> 'window'"),
            n("i.online_depth = 'full_online'"),
            n("i.max_visits = 0"),
            n("i.max_visits <= 1"),
            n(instant),
            "SUM(i.statutory_days)",
            "SUM(i.promised_days)",
        ]
    )
    join = f"{T} c JOIN {IT} i ON i.id = c.item_id"
    statements = [
        (
            f"SELECT c.department_id, {day('c.submitted_at')}, COUNT(*) FROM {T} c WHERE {submitted} GROUP BY 1, 2",
            [lo, hi],
        ),
        (f"SELECT {counts} FROM {join} WHERE {submitted}", [lo, hi]),
        (f"SELECT {lockers} FROM {T} c WHERE {submitted} AND {in_locker}", [lo, hi]),
        (f"SELECT c.item_id, COUNT(*) FROM {T} c WHERE {submitted} GROUP BY 1", [lo, hi]),
        (f"SELECT i.id, i.code, i.name FROM {IT} i", []),
        (
            f"SELECT c.department_id, {day('c.decided_at')}, {timely} FROM {join} WHERE {decided} GROUP BY 1, 2",
            [lo, hi],
        ),
        (f"SELECT c.department_id, c.accepted_on, COUNT(*) FROM {T} c WHERE {decided} GROUP BY 1, 2", [lo, hi]),
        (
            f"SELECT c.department_id, pa.from_date, {least}(pa.to_date, {day('c.decided_at')}), COUNT(*) "
            f"FROM {PA} pa JOIN {T} c ON c.id = pa.case_id WHERE pa.to_date IS NOT NULL AND {decided} GROUP BY 1, 2, 3",
            [lo, hi],
        ),
        (
            f"SELECT c.department_id, COUNT(*) FROM {T} c WHERE c.state <> 'draft' AND c.state IN {clocked} "
            f"AND c.clock_paused = {false} AND c.due_date < %s GROUP BY 1",
            [today],
        ),
        (
            f"SELECT {deferred} FROM {DF} d JOIN {T} c ON c.id = d.case_id "
            "WHERE c.state <> 'draft' AND c.accepted_on BETWEEN %s AND %s",
            [today, start, end],
        ),
        (f"SELECT COUNT(*) FROM {T} c WHERE c.state <> 'draft' AND c.accepted_on BETWEEN %s AND %s", [start, end]),
        (f"SELECT {catalogue} FROM {IT} i WHERE i.status = 'published'", []),
    ]
    try:
        from govhall.evaluations.models import GOOD_LEVELS, Evaluation
    except ImportError:
        pass
    else:
        good = ", ".join(repr(str(level)) for level in GOOD_LEVELS)
        statements.append(
            (
                f"SELECT {n(f'e.level IN ({good})')}, COUNT(*) FROM {q(Evaluation._meta.db_table)} e "
                f"WHERE e.case_id IN (SELECT c.id FROM {T} c WHERE {decided})",
                [lo, hi],
            )
        )
    if selectors.imported_available():
        model = selectors._imported_source()().model
        M = q(model._meta.db_table)
        accepted = "m.accepted_at >= %s AND m.accepted_at < %s"
        concluded = "m.concluded_at >= %s AND m.concluded_at < %s"
        mjoin = f"{M} m JOIN {IT} i ON i.id = m.item_id"
        mcounts = ", ".join(
            ["COUNT(*)", n("m.channel IN ('online', 'mobile')"), n("m.channel IN ('assisted', 'station')"), n(instant)]
        )
        mtimely = ", ".join(
            [
                "COUNT(*)",
                n("m.due_date < " + day("m.concluded_at")),
                "SUM(i.statutory_days)",
                "SUM(i.promised_days)",
                "SUM(COALESCE(m.limit_workdays, i.promised_days))",
            ]
        )
        statements += [
            (f"SELECT {day('m.accepted_at')}, COUNT(*) FROM {M} m WHERE {accepted} GROUP BY 1", [lo, hi]),
            (f"SELECT {mcounts} FROM {mjoin} WHERE {accepted}", [lo, hi]),
            (f"SELECT m.department_id, COUNT(*) FROM {M} m WHERE {accepted} GROUP BY 1", [lo, hi]),
            (f"SELECT i.code, MAX(i.name), COUNT(*) FROM {mjoin} WHERE {accepted} GROUP BY 1", [lo, hi]),
            (f"SELECT m.department_id, {mtimely} FROM {mjoin} WHERE {concluded} GROUP BY 1", [lo, hi]),
            (
                f"SELECT m.department_id, {day('m.concluded_at')}, COUNT(*) FROM {M} m WHERE {concluded} GROUP BY 1, 2",
                [lo, hi],
            ),
            (
                f"SELECT m.department_id, {day('m.accepted_at')}, COUNT(*) FROM {M} m WHERE {concluded} GROUP BY 1, 2",
                [lo, hi],
            ),
            (
                f"SELECT m.department_id, COUNT(*) FROM {M} m WHERE m.concluded_at IS NULL AND m.due_date < %s "
                "GROUP BY 1",
                [today],
            ),
        ]
    return statements


def run_raw(statements) -> int:
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="the dashboard's date range, ending today")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_django("bench-stats")
    from django.db import connection
    from django.utils import timezone
    from million import ensure_cases

    from govhall.accounts.models import User
    from govhall.stats import selectors

    began = time.perf_counter()
    total = ensure_cases(args.cases, seed=args.seed, progress=True)
    print(f"cases: {total:,} bench cases ({time.perf_counter() - began:.1f} s to ensure)", flush=True)

    today = timezone.localdate()
    start = today - dt.timedelta(days=args.days - 1)
    admin = User.objects.get(username="admin")
    stats_filter = selectors.StatsFilter(start=start, end=today)
    statements = _raw_statements(start, today, today)

    found = selectors.figures(admin, stats_filter, today=today)  # warm-up: calendar, caches, buffers
    run_raw(statements)
    dashboard, raw = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        found = selectors.figures(admin, stats_filter, today=today)
        dashboard.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        run_raw(statements)
        raw.append(time.perf_counter() - t0)
    best_d, best_r = min(dashboard), min(raw)
    med_d, med_r = statistics.median(dashboard), statistics.median(raw)
    print(f"figures over {args.days} days: {found.total:,} cases submitted, {found.timeliness['decided']:,} decided")
    print(f"  average working days {found.timeliness['average_workdays']}, speed-up {found.timeliness['speedup_rate']}")
    print(f"dashboard (stats.selectors.figures): best {best_d * 1000:,.0f} ms, median {med_d * 1000:,.0f} ms")
    print(f"raw GROUP BY ({len(statements)} statements):  best {best_r * 1000:,.0f} ms, median {med_r * 1000:,.0f} ms")
    print(f"ratio dashboard/raw: best {best_d / best_r:.2f}x, median {med_d / med_r:.2f}x (target: within 2x)")
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "cases": total,
                "days": args.days,
                "submitted_in_range": found.total,
                "dashboard_ms": round(med_d * 1000, 1),
                "raw_ms": round(med_r * 1000, 1),
                "ratio": round(med_d / med_r, 2),
                "imported_included": found.imported_included,
            }
        )
    )


if __name__ == "__main__":
    main()
