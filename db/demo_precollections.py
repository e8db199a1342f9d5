"""The demo's Pre-Collections workflow, already under way, so a new user sees it at once.

Per demo practice: an agency profile, a Pre-Collections list built from realistic criteria, and a
few encounters moved along each path — sent to collections (Not Sent), sent to the agency in one
batch with its spreadsheet (Sent), written off — plus two Set Actions left waiting for Apply.
Everything goes through the real use cases (core.precollections), as the demo admin on the demo
business date, so the history, ledger, audit and `recoup verify` are exactly what an operator's
work would leave. The agency spreadsheets go to the folder the caller names, where real agency
files go (files are never overwritten).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from core import agency_files
from core import precollections as pc
from core.models.ledger import Practice
from core.precollections.criteria import Criteria, TaskFilter
from core.security import Actor
from db.uow import SqlUnitOfWork

AGENCIES = {"DEMO-FAM": ("CBA", "Consumer Bureau of Accounts"),
            "DEMO-ORTHO": ("RRS", "Riverside Recovery Services"),
            "DEMO-OCC": ("CCS", "Commercial Collection Services")}
# The list: balances of 50.00 or more, 120 days old or older, at least one dunning message.
CRITERIA = Criteria(encounter_balance_min=5000, age_min=120, dunning_min=1)
SENT, NOT_SENT, WRITE_OFF, WAITING = 3, 3, 1, 2  # tasks per practice moved along each path


def build(engine: Engine, actor: Actor, as_of: dt.date, folder: Path) -> dict[str, int]:
    """Run the workflow in every demo practice; returns task counts per state over all of them."""
    with SqlUnitOfWork(engine, write=False) as u:
        practices = [(p.id, p.source_id) for p in u.session.exec(
            select(Practice).where(col(Practice.source_id).in_(list(AGENCIES))).order_by(col(Practice.id)))]
    for practice_id, source_id in practices:
        assert practice_id is not None
        _practice(engine, actor, as_of, practice_id, AGENCIES[source_id], folder)
    with SqlUnitOfWork(engine, write=False) as u:
        counts: dict[str, int] = {}
        for practice_id, _ in practices:
            for state, (n, _cents) in pc.totals(u, actor, practice_id).items():  # type: ignore[arg-type]
                counts[state] = counts.get(state, 0) + n
    return counts


def _call(engine: Engine, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """One use case in its own unit of work (it commits itself)."""
    with SqlUnitOfWork(engine) as u:
        return fn(u, *args, **kw)


def _practice(engine: Engine, actor: Actor, as_of: dt.date, pid: int, agency: tuple[str, str],
              folder: Path) -> None:
    code, name = agency
    _call(engine, agency_files.save_agency, actor, pid, code, as_of, name=name, contact="accounts@example.com",
          baa_signed=as_of - dt.timedelta(days=400))
    _call(engine, pc.add_tasks, actor, pid, CRITERIA, as_of, confirmed=True)
    with SqlUnitOfWork(engine, write=False) as u:
        tasks = [r.task for r in pc.list_tasks(u, actor, pid, as_of, TaskFilter(states=("pre",)))]
    to_collections = tasks[:SENT + NOT_SENT]
    write_off = tasks[SENT + NOT_SENT:SENT + NOT_SENT + WRITE_OFF]
    waiting = tasks[SENT + NOT_SENT + WRITE_OFF:SENT + NOT_SENT + WRITE_OFF + WAITING]
    _set(engine, actor, as_of, pid, "send-to-collections", to_collections)
    _set(engine, actor, as_of, pid, "write-off", write_off)
    if to_collections or write_off:
        _call(engine, pc.apply, actor, pid, as_of, confirmed=True)
    _set(engine, actor, as_of, pid, "send-to-agency", to_collections[:SENT])
    if to_collections[:SENT]:
        _call(engine, pc.apply, actor, pid, as_of, "send-to-agency", code, folder, confirmed=True)
    _set(engine, actor, as_of, pid, "send-to-collections", waiting)


def _set(engine: Engine, actor: Actor, as_of: dt.date, pid: int, action: str, tasks: list[int]) -> None:
    if tasks:
        _call(engine, pc.set_action, actor, pid, action, as_of, tasks=tasks)
