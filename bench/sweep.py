"""The supervision sweep (电子监察预警扫描) over a big cases table, next to a raw indexed
``SELECT ... WHERE due_date <= ...`` of the same table in the same run.

    .venv/bin/python bench/sweep.py [--cases 100000] [--rounds 3]
    DATABASE_URL=postgres://... .venv/bin/python bench/sweep.py --cases 1000000

Fills the table with ``bench/million.py`` first (tops up to --cases). Each round:

1. removes the recorded warnings (not timed);
2. times the **first sweep** (``supervision.sweep.record``: the thresholds as dates, the
   longest limit, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING per subject: cases,
   deferrals, 告知承诺 verifications, imported cases; then ``sweep.resolve``, the UPDATEs that
   mark warnings no longer standing), which records every warning;
3. times the **repeat sweep** the same day (finds every warning recorded already: inserts none);
4. times the **raw SELECT** of the same rows, the least any sweep must read: ``SELECT id,
   due_date FROM cases_case WHERE state IN (open states) AND NOT clock_paused AND due_date
   <= <widest cut-off>`` fetched to the client; and, for reference, the bare ``WHERE due_date
   <= <cut-off>`` (which also returns every concluded case due before it).

Prints the medians and the ratio sweep / raw SELECT (target: within 3x) as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import setup_django


def _timed(function) -> tuple[float, object]:
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_django("bench-million")
    from django.db import connection, transaction
    from django.utils import timezone
    from million import ensure_cases

    from govhall.cases.models import Case
    from govhall.supervision import sweep
    from govhall.supervision.models import Alert, Subject
    from govhall.workdays.selectors import get_calendar

    began = time.perf_counter()
    total = ensure_cases(args.cases, seed=args.seed, progress=True)
    load_seconds = time.perf_counter() - began
    today = timezone.localdate()
    cut = sweep.cutoffs(today, sweep.thresholds(), sweep.longest_limit(), get_calendar())
    widest = max([cut.yellow, *cut.by_share]) if cut.by_share else cut.yellow
    table = connection.ops.quote_name(Case._meta.db_table)
    open_states = ", ".join(f"'{s}'" for s in sweep.OPEN_STATES)
    raw_sql = f"SELECT id, due_date FROM {table} WHERE state IN ({open_states}) AND NOT clock_paused AND due_date < %s"
    bare_sql = f"SELECT id, due_date FROM {table} WHERE due_date < %s"

    def fetch(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [widest])
            return len(cursor.fetchall())

    def run_sweep():
        # what services.sweep_run does, without the notices: record, then resolve
        with transaction.atomic():
            now = timezone.now()
            recorded = sweep.record(today, now=now)
            sweep.resolve(now, recorded_at=now if any(recorded.values()) else None)
            return recorded

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    first, repeat, raw, bare = [], [], [], []
    recorded = rows = bare_rows = 0
    for _ in range(args.rounds):
        Alert.objects.filter(level__in=("yellow", "red", "overdue")).delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Alert._meta.db_table)}")
        t, result = _timed(run_sweep)
        first.append(t)
        recorded = result[Subject.CASE]
        t, again = _timed(run_sweep)
        repeat.append(t)
        assert sum(again.values()) == 0, again
        t, rows = _timed(lambda: fetch(raw_sql))
        raw.append(t)
        t, bare_rows = _timed(lambda: fetch(bare_sql))
        bare.append(t)
    med = statistics.median
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "cases": total,
                "open_cases_with_running_clock": Case.objects.filter(sweep.open_cases_q()).count(),
                "load_seconds": round(load_seconds, 1),
                "today": str(today),
                "widest_cutoff": str(widest),
                "case_warnings_recorded": recorded,
                "raw_select_rows": rows,
                "bare_select_rows": bare_rows,
                "sweep_first_ms": round(med(first) * 1000, 1),
                "sweep_repeat_ms": round(med(repeat) * 1000, 1),
                "raw_select_ms": round(med(raw) * 1000, 1),
                "bare_due_date_select_ms": round(med(bare) * 1000, 1),
                "ratio_first_sweep_to_raw": round(med(first) / med(raw), 2),
                "ratio_repeat_sweep_to_raw": round(med(repeat) / med(raw), 2),
                "target": "sweep within 3x of the raw SELECT",
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
