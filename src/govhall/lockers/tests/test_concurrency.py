"""A cell is never given to two cases, and none is lost, when more applicants reserve at once
than there are cells: from threads and from processes, on whichever database the suite runs
on (CI runs it on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from govhall.cases.tests import factories as f
from govhall.core.errors import DomainError
from govhall.lockers import services
from govhall.lockers.models import Cell, Parcel
from govhall.lockers.tests import factories as lf
from govhall.lockers.workflow import LIVE, CellState

CELLS = 5
REQUESTS = 12


@pytest.fixture
def race(transactional_db):
    from govhall.accounts import demo as accounts_demo
    from govhall.catalog import demo as catalog_demo

    catalog_demo.load()
    accounts_demo.load()
    site, _ = lf.site("T-RACE", layout={"S": CELLS, "M": 1})
    cases = [lf.accepted().number for _ in range(REQUESTS)]
    return site, cases


def reserve(site_code: str, number: str) -> str:
    """The cell id taken, or the refusal's code."""
    try:
        issued = services.dropoff_reserve(case=number, actor=f.user("citizen"), site=site_code, size="S")
        return str(issued.parcel.cell_id)
    except DomainError as exc:
        return exc.code
    finally:
        connection.close()


def check(site, outcomes: list[str]) -> None:
    taken = [o for o in outcomes if o.isdigit()]
    refused = Counter(o for o in outcomes if not o.isdigit())
    assert len(taken) == CELLS and len(set(taken)) == CELLS, outcomes  # no cell twice, none lost
    assert refused == {"no_free_cell": REQUESTS - CELLS}, outcomes
    small = Cell.objects.filter(cabinet__site=site, size="S")
    assert sorted(str(c.pk) for c in small) == sorted(taken)
    assert set(small.values_list("state", flat=True)) == {CellState.RESERVED}
    live = Parcel.objects.filter(site=site, status__in=LIVE)
    assert live.count() == CELLS and live.values("cell").distinct().count() == CELLS
    assert Cell.objects.get(cabinet__site=site, size="M").state == CellState.FREE


def test_threads_reserving_at_once(race):
    site, cases = race
    with ThreadPoolExecutor(REQUESTS) as pool:
        outcomes = list(pool.map(lambda number: reserve(site.code, number), cases))
    check(site, outcomes)


SCRIPT = """
import json, os, sys
from django.db import connection
connection.settings_dict["NAME"] = os.environ["LOCKERS_TEST_DB"]
connection.close()
from govhall.lockers.tests.test_concurrency import reserve
numbers = json.loads(os.environ["LOCKERS_CASES"])
sys.stdin.readline()  # start together
print(json.dumps([reserve(os.environ["LOCKERS_SITE"], n) for n in numbers]))
"""


def test_processes_reserving_at_once(race, tmp_path):
    """Four server-like processes, three requests each, against this test's database."""
    site, cases = race
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "LOCKERS_TEST_DB": str(connection.settings_dict["NAME"]),
        "LOCKERS_SITE": site.code,
        "GOVHALL_VAR_DIR": str(settings.VAR_DIR),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", SCRIPT],
            cwd=settings.BASE_DIR,
            env={**environment, "LOCKERS_CASES": json.dumps(cases[i::4])},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outputs = [p.communicate("go\n", timeout=180) for p in processes]
    outcomes = []
    for out, err in outputs:
        assert out.strip(), err[-2000:]
        outcomes += json.loads(out.strip().splitlines()[-1])
    check(site, outcomes)
