"""The two state tables (``workflow.py``): every (state, event) pair either is a row of the
table or is refused with a coded Conflict; the cell machine has no dead end (every state
reaches ``free`` again, a fault is taken from any state); a parcel's table agrees with the
database's constraint; and no code of the app but the two movers in ``services`` assigns a
cell's state or a parcel's status."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from govhall.core.errors import Conflict
from govhall.lockers import workflow as w

APP = Path(w.__file__).resolve().parent


@pytest.mark.parametrize(("state", "event"), list(itertools.product(w.CellState.values, w.CellEvent.values)))
def test_every_cell_pair_is_a_row_or_a_coded_refusal(state, event):
    if (state, event) in w.CELL_TABLE:
        assert w.cell_next(state, event) == w.CELL_TABLE[(state, event)]
        return
    with pytest.raises(Conflict) as refused:
        w.cell_next(state, event)
    assert refused.value.code == "cell_state" and refused.value.detail == {"state": state, "event": event}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(w.ParcelState.values, w.ParcelEvent.values)))
def test_every_parcel_pair_is_a_row_or_a_coded_refusal(state, event):
    if (state, event) in w.PARCEL_TABLE:
        assert w.parcel_next(state, event) == w.PARCEL_TABLE[(state, event)]
        return
    with pytest.raises(Conflict) as refused:
        w.parcel_next(state, event)
    assert refused.value.code == "parcel_state"


def reachable(table: dict[tuple[str, str], str], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for (source, _event), target in table.items():
            if source == state and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_cell_machine_has_no_dead_end():
    states = set(w.CellState.values)
    assert {s for pair in w.CELL_TABLE for s in pair[:1]} | set(w.CELL_TABLE.values()) <= states
    assert reachable(w.CELL_TABLE, w.CellState.FREE) == states
    for state in states:
        assert w.CellState.FREE in reachable(w.CELL_TABLE, state), state
    for state in states - {w.CellState.OUT_OF_SERVICE}:  # a fault is taken whatever the cell holds
        assert w.cell_next(state, w.CellEvent.FAULT) == w.CellState.OUT_OF_SERVICE
    # what puts a parcel in a cell takes a free one; what takes it out leaves the cell free
    assert {e for (s, e) in w.CELL_TABLE if s == w.CellState.FREE} >= {w.CellEvent.RESERVE, w.CellEvent.DEPOSIT}
    for event in (w.CellEvent.COLLECT, w.CellEvent.PICK_UP, w.CellEvent.RETRIEVE):
        assert w.cell_next(w.CellState.OCCUPIED, event) == w.CellState.FREE


def test_the_parcel_table_agrees_with_the_kinds_and_the_constraint():
    from govhall.lockers.models import Parcel

    of_kind = {
        w.Kind.DROPOFF: reachable(w.PARCEL_TABLE, w.PARCEL_START[w.Kind.DROPOFF]),
        w.Kind.PICKUP: reachable(w.PARCEL_TABLE, w.PARCEL_START[w.Kind.PICKUP]),
    }
    assert of_kind[w.Kind.DROPOFF] == {"reserved", "dropped", "collected", "expired", "cancelled"}
    assert of_kind[w.Kind.PICKUP] == {"deposited", "picked_up", "retrieved"}
    assert of_kind[w.Kind.DROPOFF] | of_kind[w.Kind.PICKUP] == set(w.ParcelState.values)
    # the database says the same (models.Parcel.Meta: parcel_status_of_kind)
    (constraint,) = [c for c in Parcel._meta.constraints if c.name == "parcel_status_of_kind"]
    allowed = {child.children[0][1]: set(child.children[1][1]) for child in constraint.condition.children}
    assert allowed == of_kind
    # a live parcel holds its cell; ended ones have no way out
    ended = set(w.ParcelState.values) - set(w.LIVE)
    assert not [pair for pair in w.PARCEL_TABLE if pair[0] in ended]
    assert set(w.CODE_LIVE) <= set(w.LIVE) and set(w.PARCEL_START.values()) == set(w.CODE_LIVE)


MOVERS = {("services.py", "_cell_move"), ("services.py", "_parcel_move")}


def state_writes(path: Path) -> list[tuple[str, int, str]]:
    """Where a module writes ``state`` or ``status`` (an attribute assignment, or a keyword of
    ``update``/``create``/``update_or_create``/``_create_parcel``), with the enclosing function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for target in targets:
                    for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                        if isinstance(element, ast.Attribute) and element.attr in ("state", "status"):
                            found.append((name, child.lineno, f".{element.attr} ="))
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute | ast.Name):
                called = child.func.attr if isinstance(child.func, ast.Attribute) else child.func.id
                if called in ("update", "create", "update_or_create", "get_or_create", "_create_parcel"):
                    for keyword in child.keywords:
                        if keyword.arg in ("state", "status"):
                            start = ast.unparse(keyword.value)
                            if called == "_create_parcel" and start.startswith("PARCEL_START["):
                                continue  # a new parcel starts as the table says
                            found.append((name, child.lineno, f"{called}({keyword.arg}=…)"))
            visit(child, name)

    visit(tree, "<module>")
    return found


def test_only_the_two_movers_assign_a_state():
    modules = [p for p in APP.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]
    assert (APP / "services.py") in modules and len(modules) > 10
    writes = {(p.name, function, line, what) for p in modules for function, line, what in state_writes(p)}
    elsewhere = {w_ for w_ in writes if (w_[0], w_[1]) not in MOVERS}
    assert not elsewhere, f"a state written outside services._cell_move/_parcel_move: {sorted(elsewhere)}"
    assert {(f, fn) for f, fn, _line, _what in writes} == MOVERS  # the check sees the movers themselves
