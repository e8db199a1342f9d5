"""Shared helpers of the Pre-Collections tests: operators, calling use cases, checking invariants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from core import verify
from core.security import Actor

COLLECTOR = Actor("cora", "collector")
SUPERVISOR = Actor("sam", "supervisor")
SUPPORT = Actor("sue", "support")
VIEWER = Actor("vic", "viewer")


def call(uow: Callable[..., Any], fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Run one use case in its own unit of work, as a screen or the command line would."""
    with uow() as u:
        return fn(u, *args, **kw)


def assert_verified(uow: Callable[..., Any]) -> None:
    """`recoup verify` is clean: ledger identity, caches, journals, audit chain."""
    with uow(write=False) as u:
        problems = [p for c in verify.verify(u) for p in c.problems]
    assert problems == []


def snapshot(uow: Callable[..., Any]) -> tuple[Any, ...]:
    """Everything an apply could change, to prove that a refused or unconfirmed one changed nothing."""
    with uow(write=False) as u:
        s = u.session
        tasks = s.execute(text("SELECT task_no, state, on_list, action, version, agency_id, batch_no "
                               "FROM precollection_task ORDER BY task_no")).all()
        counts = [s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                  for t in ("ledger_txn", "audit_entry", "precollection_history", "precollection_run",
                            "agency_file", "journal")]
        balances = s.execute(text("SELECT id, ar_cents, collections_cents FROM encounter ORDER BY id")).all()
    return tuple(map(tuple, tasks)), tuple(counts), tuple(map(tuple, balances))


def tasks_by_encounter(uow: Callable[..., Any]) -> dict[str, tuple[int, str, bool, int]]:
    """encounter number -> (task number, state, on list, balance cents)."""
    with uow(write=False) as u:
        rows = u.session.execute(text(
            "SELECT e.source_id, t.task_no, t.state, t.on_list, e.ar_cents + e.collections_cents "
            "FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id")).all()
    return {r[0]: (int(r[1]), r[2], bool(r[3]), int(r[4])) for r in rows}


def on_list(uow: Callable[..., Any]) -> dict[str, int]:
    """encounter number -> task number, for the tasks on the list."""
    return {e: t[0] for e, t in tasks_by_encounter(uow).items() if t[2]}
