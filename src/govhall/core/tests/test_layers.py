"""The layers of the apps, kept by import-linter (``[tool.importlinter]`` in pyproject.toml,
run by ``make lint``), and the modules allowed to use plain statements (``core.rows``).

The contract is proved on a copy of the tree: as it is, it passes; with one forbidden
import added (the ground reaching up, two siblings, a cycle inside an app), it fails.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SRC = ROOT / "src"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path, src: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        # this tree's govhall, not an installed one; wide, so that no message is wrapped
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(src), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """The Python modules of govhall and the contract, copied (import-linter reads, never imports)."""
    copy = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    for path in (SRC / "govhall").rglob("*.py"):
        target = copy / "src" / path.relative_to(SRC)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return copy


def test_the_tree_keeps_the_contracts(tree_copy):
    result = _lint_imports(tree_copy, tree_copy / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "refusal"),
    [
        # the ground reaching up, even inside a function
        (
            "core/masking.py",
            "def _up():\n    from govhall.cases import models\n",
            "govhall.core is not allowed to import govhall.cases",
        ),
        # notify knows people only as AUTH_USER_MODEL
        ("notify/models.py", "from govhall.accounts import models\n", "govhall.notify is not allowed"),
        # a lower app reaching a higher one
        ("catalog/models.py", "import govhall.accounts.models\n", "govhall.catalog is not allowed"),
        # independent siblings
        ("workdays/calendar.py", "import govhall.notify.models\n", "govhall.workdays is not allowed"),
        ("licences/models.py", "import govhall.delivery.services\n", "govhall.licences is not allowed"),
        # a cycle inside an app: the task importing the services that enqueue it
        ("notify/tasks.py", "from govhall.notify import services\n", "No cycles are allowed in govhall.notify"),
    ],
)
def test_a_forbidden_import_breaks_the_contract(tree_copy, module, line, refusal):
    path = tree_copy / "src" / "govhall" / module
    original = path.read_text()
    try:
        path.write_text(original + "\n" + line)
        result = _lint_imports(tree_copy, tree_copy / "src")
    finally:
        path.write_text(original)
    assert result.returncode != 0
    assert refusal in result.stdout, result.stdout


# --------------------------------------------------------------------------- plain statements

# Who may write SQL through core.rows, and why: only statements a profile shows on every
# request (docs/decisions/0004-plain-statements-on-hot-rows.md). Each has a test that
# checks its result against the ORM form it replaces. A new use fails here until it is
# added, with its reason; an entry whose module no longer uses rows fails until it goes.
ROWS_USERS = {
    "govhall.accounts.scope": "the operators of an applicant, asked on every action on a case (0004)",
    "govhall.accounts.services.tokens": "the bearer token with its user and staff profile, on every API request (0004)",
    "govhall.cases.selectors": "the case under its lock, its hall and current materials, on every action (0004)",
    "govhall.cases.services": "the timeline event and the transition's update, on every action (0004)",
    "govhall.catalog.search": "the catalogue revision, read before every search (0004, decision 0001)",
    "govhall.core.limits": "the counter's one INSERT … ON CONFLICT … RETURNING: atomic counting across processes, "
    "which the ORM cannot write in one statement (not for speed; docs/security.md)",
    "govhall.licences.selectors": "the licences that fill materials (免证办), on every application (0004)",
    "govhall.notify.services": "the messages of an event in one insert that returns the ids (0004, benchmarks.md)",
}


def _imports_rows(tree: ast.AST) -> bool:
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import) and any(a.name == "govhall.core.rows" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (
            node.module == "govhall.core.rows"
            or (node.module == "govhall.core" and any(a.name == "rows" for a in node.names))
        ):
            return True
    return False


def test_only_the_listed_modules_use_plain_statements():
    users = set()
    for path in (SRC / "govhall").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        if "tests" in parts or "migrations" in parts or parts[:3] == ("govhall", "core", "rows"):
            continue
        if _imports_rows(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            users.add(".".join(p for p in parts if p != "__init__"))
    assert sorted(users - ROWS_USERS.keys()) == [], "new users of core.rows: add each to ROWS_USERS with its reason"
    assert sorted(ROWS_USERS.keys() - users) == [], "these no longer use core.rows: take them off ROWS_USERS"


def test_the_rows_check_sees_every_form_of_import():
    for source in (
        "from govhall.core import limits, rows",
        "from govhall.core.rows import insert_many",
        "import govhall.core.rows",
        "def f():\n    from govhall.core import rows",
    ):
        assert _imports_rows(ast.parse(source)), source
    assert not _imports_rows(ast.parse("from govhall.core import limits\nimport govhall.core.rowsy_not"))
