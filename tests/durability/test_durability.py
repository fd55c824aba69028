"""kill -9 of the server while applicants file cases loses nothing it acknowledged
(scripts/durability.py, run here for 30 seconds; `make durability MINUTES=10` runs it longer).

Runs on SQLite, and on PostgreSQL when DATABASE_URL names one (in a database of its own,
created next to it and dropped afterwards), so CI runs it on both.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import durability

# Issue 13, item 8: a worker killed between writing an upload and committing its row leaves
# an orphaned file (personal data no row points to). The test counts them; with this True
# every one must be gone after `manage.py files_sweep` (run as if an hour had passed), or
# never have been made. False only counts and prints them (as before the sweep existed).
ORPHANS_MUST_BE_SWEPT = True


def test_every_acknowledged_case_material_and_event_survives_kill_9(tmp_path):
    lines: list[str] = []
    with contextlib.ExitStack() as stack:
        database_url = ""
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            database_url = stack.enter_context(durability.scratch_postgres(os.environ["DATABASE_URL"]))
        figures = durability.run(
            seconds=30,
            min_kills=3,
            database_url=database_url,
            folder=tmp_path,
            strict_orphans=ORPHANS_MUST_BE_SWEPT,
            say=lines.append,
        )
    durability.report(figures, say=lines.append)
    text = "\n".join(lines + figures["kill_log"])
    print(text)
    assert figures["acknowledged_writes"] > 0, text
    assert figures["workers_killed"] >= 1, text
    assert figures["servers_killed"] >= 1, text
    assert figures["losses"] == 0, text
    assert figures["verify_audit"], text
    assert not figures["problems"], text
