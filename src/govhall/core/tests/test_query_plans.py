"""The hot queries stay on an index as history grows (issue 18: costs must not grow with the
number of cases).

Each hot path runs through its app's selector with the SQL captured, and every captured
statement is EXPLAINed on the database under test, after the tables hold enough rows, in
realistic proportions, for the planner's own choice to mean something, and ANALYZE has
given it statistics (nothing is forced: no ``enable_seqscan = off``). A plan that reads a
whole big table fails:

* SQLite (EXPLAIN QUERY PLAN): a bare ``SCAN <table>`` (without ``USING ... INDEX``);
* PostgreSQL (EXPLAIN (FORMAT JSON)): a ``Seq Scan`` node on the table.

The big tables are those that grow with history or the catalogue: cases, their timelines
and materials, evaluations, and item versions. The rows: 20,000 copies of one real case
(most of them concluded long ago, as in a hall's database; one in twenty waiting in
each staff queue) for another applicant, with their timelines, and
3,000 retired item versions.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.accounts.models import Applicant, User
from govhall.cases import selectors as case_selectors
from govhall.cases.models import QUEUE_WAITING, Case
from govhall.cases.tests import factories
from govhall.catalog import selectors as catalog_selectors
from govhall.catalog.models import ServiceItem

pytestmark = pytest.mark.django_db

CASES = 20_000
PEOPLE = 1_000
ITEMS = 3_000
BIG = {
    "cases_case",
    "cases_timelineevent",
    "cases_submittedmaterial",
    "evaluations_evaluation",
    "catalog_serviceitem",
}


def _clone(table: str, template_id: int, count: int, overrides: dict[str, str]) -> None:
    """``count`` copies of one row made by the database (a recursive CTE: both engines),
    with SQL expressions of ``n`` (1..count) for the ``overrides`` columns."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")  # noqa: S608 (a table name of this module)
        columns = [c[0] for c in cursor.description if c[0] != "id"]
        chosen = ", ".join(overrides.get(c, f"t.{connection.ops.quote_name(c)}") for c in columns)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = (
            f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count}) "  # noqa: S608
            f"INSERT INTO {table} ({names}) SELECT {chosen} FROM g, {table} t WHERE t.id = %s"
        )
        cursor.execute(sql, [template_id])
        cursor.execute(f"ANALYZE {table}")


@pytest.fixture
def history(demo):
    """A hall's worth of history: many cases of many other applicants, many item versions."""
    mine = factories.draft(username="citizen")
    factories.upload_all(mine)
    factories.act(mine, "citizen", "submit")
    other = factories.draft(username="citizen2")
    # a thousand other people, each filing their own (SQLite plans from the average rows per
    # value of an index: with one other applicant, one applicant's cases look like half)
    people = User.objects.bulk_create(User(username=f"pt-{n}") for n in range(PEOPLE))
    applicants = Applicant.objects.bulk_create(
        Applicant(kind="natural", name=f"申请人{n}", id_number=f"610104{n:012d}", user=u) for n, u in enumerate(people)
    )
    first_user, first_applicant = min(u.pk for u in people), min(a.pk for a in applicants)
    _clone(
        "cases_case",
        other.pk,
        CASES,
        {
            "applicant_id": f"{first_applicant} + (n %% {PEOPLE})",
            "filed_by_id": f"{first_user} + (n %% {PEOPLE})",
            "number": "'PT' || n",
            # one in twenty in each staff queue, the rest concluded
            "state": "CASE n %% 20 WHEN 0 THEN 'submitted' WHEN 1 THEN 'accepted' WHEN 2 THEN 'accepted'"
            " WHEN 3 THEN 'correction_requested' WHEN 4 THEN 'approved' WHEN 5 THEN 'issued'"
            " WHEN 6 THEN 'suspended' ELSE 'delivered' END",
            "reviewed_at": "CASE WHEN n %% 20 = 2 THEN t.created_at END",
        },
    )
    with connection.cursor() as cursor:  # their timelines: created, and reviewed for those under review
        cursor.execute(
            "INSERT INTO cases_timelineevent (case_id, seq, action, actor_id, actor_name, actor_role, from_state,"
            " to_state, comment, data, created_at, prev_hash, hash)"
            " SELECT c.id, e.seq, e.action, NULL, '', 'applicant', '', 'draft', '', '{}', c.created_at, '', 'x'"
            " FROM cases_case c, (SELECT 1 AS seq, 'create' AS action UNION ALL SELECT 2, 'review') e"
            " WHERE c.number LIKE 'PT%%' AND (e.seq = 1 OR c.reviewed_at IS NOT NULL)"
        )
    item = ServiceItem.objects.filter(status="published").order_by("pk").first()
    _clone("catalog_serviceitem", item.pk, ITEMS, {"code": "'PT' || n", "status": "'retired'"})
    with connection.cursor() as cursor:
        for table in BIG:
            cursor.execute(f"ANALYZE {table}")
    return mine


def _plans(run) -> list[tuple[str, str]]:
    """(sql, plan) of every statement ``run`` sends."""
    with CaptureQueriesContext(connection) as captured:
        run()
    found = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                found.append((sql, plan if isinstance(plan, str) else json.dumps(plan)))
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                found.append((sql, "\n".join(str(row[-1]) for row in cursor.fetchall())))
    return found


def _aliases(sql: str) -> dict[str, str]:
    """alias -> table for ``"table" U0``-style aliases Django writes in subqueries."""
    return {alias: table for table, alias in re.findall(r'"(\w+)" (U\d+|T\d+)\b', sql)}


def _pg_nodes(plan: str):
    """Every node of a PostgreSQL JSON plan."""
    pending = [entry["Plan"] for entry in json.loads(plan)]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(node.get("Plans", []))


def _full_scans(sql: str, plan: str) -> list[str]:
    if connection.vendor == "postgresql":
        return [
            f"Seq Scan on {node['Relation Name']}"
            for node in _pg_nodes(plan)
            if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG
        ]
    aliases = _aliases(sql)
    scans = []
    for line in plan.splitlines():
        match = re.match(r"SCAN (\w+)(?: AS (\w+))?$", line.strip())
        if match and (aliases.get(match.group(1), match.group(1)) in BIG):
            scans.append(line.strip())
    return scans


def _assert_indexed(label: str, run) -> None:
    plans = _plans(run)
    assert plans, f"{label}: no query captured"
    for sql, plan in plans:
        scans = _full_scans(sql, plan)
        assert not scans, f"{label}: {scans}\n{sql}\n{plan}"


# The applicant's side is read first (scope._represented_ids), so the list filters on
# ``applicant_id IN (ids) OR filed_by_id = …``, both indexed; it was a subquery in that OR,
# which read the whole cases table (PostgreSQL: Parallel Seq Scan, 250-370 ms at 1M cases).
def test_applicant_case_list(history):
    user = factories.user("citizen")
    _assert_indexed("applicant's list", lambda: list(case_selectors.list_queryset(user)[:20]))
    _assert_indexed("applicant's list count", lambda: case_selectors.list_queryset(user).count())


@pytest.mark.parametrize("username", ["clerk", "reviewer"])
def test_staff_queues(history, username):
    user = factories.user(username)
    for name in case_selectors.QUEUES:
        _assert_indexed(f"{username} {name}", lambda name=name: list(case_selectors.queue(user, name)[:20]))


def _sorts(sql: str, plan: str) -> list[str]:
    """Sorts of the cases a statement lists (not of what it prefetches for them): the rows
    did not come off an index in the list's order, so the database read and sorted every
    row the condition matched."""
    if not sql.split(" FROM ", 1)[-1].startswith('"cases_case"'):
        return []
    if connection.vendor == "postgresql":
        return [
            f"{node['Node Type']} by {node.get('Sort Key')}"
            for node in _pg_nodes(plan)
            if node.get("Node Type") in ("Sort", "Incremental Sort")
        ]
    return [line.strip() for line in plan.splitlines() if "TEMP B-TREE FOR ORDER BY" in line]


def _assert_in_order(label: str, run) -> None:
    for sql, plan in _plans(run):
        assert not _full_scans(sql, plan) and not _sorts(sql, plan), f"{label}:\n{sql}\n{plan}"


# A queue page walks its partial index (models.QUEUE_WAITING) from the first row: with the
# staff and applicant sides OR-ed, and an index on the state alone, PostgreSQL sorted every
# open case of the hall or department for each page (0.85-1.1 s at 1M cases, bench/load).
@pytest.mark.parametrize("username", ["clerk", "reviewer"])
def test_staff_queue_pages_come_off_an_index_in_their_order(history, username):
    user = factories.user(username)
    for name in QUEUE_WAITING:
        _assert_in_order(f"{username} {name}", lambda name=name: list(case_selectors.queue(user, name)[:20]))
        _assert_indexed(f"{username} {name} count", lambda name=name: case_selectors.queue_count(user, name))
    for state in ("submitted", "accepted", "delivered"):  # the API's list by state, newest first
        run = lambda state=state: list(case_selectors.list_queryset(user, state=state)[:20])  # noqa: E731
        _assert_in_order(f"{username} list {state}", run)


def test_progress_by_number(history):
    number = history.number
    _assert_indexed("progress", lambda: case_selectors.progress_lookup(number, "0000"))


def test_case_detail_by_number(history):
    user = factories.user("citizen")
    _assert_indexed("detail", lambda: case_selectors.list_queryset(user).get(number=history.number))


def test_supervision_board_counts(history):
    from govhall.supervision import selectors as supervision_selectors

    user = factories.user("supervisor")
    _assert_indexed("board counts", lambda: supervision_selectors.board_counts(user, supervision_selectors.Filters()))


def test_item_guide_by_code(history):
    code = ServiceItem.objects.filter(status="published").order_by("pk").values_list("code", flat=True).first()
    _assert_indexed("guide", lambda: catalog_selectors.item_get(code))


def test_the_check_sees_a_full_scan(history):
    """The check itself: a filter on an unindexed column is reported as a full scan."""
    plans = _plans(lambda: list(Case.objects.filter(tracking_number="nothing")[:1]))
    assert any(_full_scans(sql, plan) for sql, plan in plans)
