"""The rule of direction: core is the centre and imports nothing of ours; db imports core;
screens and widgets never touch the database layer; the three workflow packages are independent.
Those are import-linter contracts in pyproject.toml, checked here and by .ci/run; the money and
clock rules below are not import rules and stay hand-written."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
PACKAGES = ("core", "db", "tui")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with the contracts of `cwd`/pyproject.toml, on the packages found in `cwd`."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([LINT_IMPORTS, "--no-cache", "pyproject.toml"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_contracts_hold() -> None:
    """The rules of direction are import-linter contracts in pyproject.toml ([tool.importlinter])."""
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module,source,contract", [
    ("core/_violation.py", "import textual\n", "core imports no db, tui, textual or rich BROKEN"),
    ("core/external/_violation.py", "from core.roster import read\n",
     "the three workflow packages are independent of one another BROKEN"),
    ("tui/screens/_violation.py", "from db.engine import make_engine\n",
     "screens and widgets import no db, sqlalchemy or sqlmodel BROKEN"),
])
def test_a_violation_breaks_its_contract(tmp_path: Path, module: str, source: str, contract: str) -> None:
    """A deliberate violation, in a copy of the packages (the tree is never written to), fails
    lint-imports and names the broken contract and the offending module."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(source)
    result = _lint_imports(tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert contract in out
    assert module.removesuffix(".py").replace("/", ".") in out


GEOMETRY = {"core/pdf.py"}  # page positions in points: the one place floats belong (it never sees money)


def test_no_float_for_money_in_core_and_db() -> None:
    """Money is integer cents: no float() calls and no float annotations in core or db."""
    hits = []
    for package in ("core", "db"):
        for path in (ROOT / package).rglob("*.py"):
            if str(path.relative_to(ROOT)) in GEOMETRY:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float":
                    hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if (isinstance(node, ast.Name) and node.id == "float"
                        and isinstance(getattr(node, "ctx", None), ast.Load)):
                    hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert hits == []


def test_core_reads_no_hidden_clock() -> None:
    hits = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py")
            if any(s in p.read_text() for s in ("date.today()", "datetime.now(", "datetime.utcnow("))]
    assert hits == []
