"""The rule of direction: core is the centre and imports nothing of ours; db imports core;
screens and widgets never touch the database layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{f} imports {m}" for f, m in _imports(package)
            if m.split(".")[0] in forbidden or m in forbidden]


@pytest.mark.parametrize("package,forbidden", [
    ("core", ("db", "tui", "textual", "rich")),
    ("db", ("tui", "textual", "rich")),
])
def test_direction_of_imports(package: str, forbidden: tuple[str, ...]) -> None:
    assert _offenders(package, forbidden) == []


def test_no_float_for_money_in_core_and_db() -> None:
    """Money is integer cents: no float() calls and no float annotations in core or db."""
    hits = []
    for package in ("core", "db"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float":
                    hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.Name) and node.id == "float" and isinstance(getattr(node, "ctx", None), ast.Load):
                    hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert hits == []


def test_core_reads_no_hidden_clock() -> None:
    hits = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py")
            if any(s in p.read_text() for s in ("date.today()", "datetime.now(", "datetime.utcnow("))]
    assert hits == []
