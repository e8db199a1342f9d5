"""The demo's Pre-Collections workflow, worked over the past eight months, so a new user sees it at once.

Per demo practice: an agency profile, then the list worked as an office works it: Add Pre-Collection
Tasks every few weeks with the same realistic criteria (the first build takes the backlog, each
later one the encounters that aged past 120 days since), and in between a share of the list sent
to collections, a share of what waits sent to the agency in one batch with its spreadsheet, a few
written off or removed; on the business date two Set Actions are left waiting for Apply. So the
tasks entered their states on many dates, and every breakdown of the Collections Management
dashboard (days in state above all) has shape.

Everything goes through the real use cases (core.precollections), as the demo admin, each step on
its own business date and stamped with that day (db.demo_calls), so the history, ledger, audit and
`recoup verify` are exactly what an operator's work would leave. Which tasks a step takes is a
deterministic spread over the task numbers. The agency spreadsheets go to the folder the caller
names, where real agency files go (files are never overwritten).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import col, select

from core import eligibility
from core import precollections as pc
from core.eligibility import of_encounter
from core.exchange import agency_files
from core.models.base import saved_id
from core.models.ledger import Practice
from core.practices import practice_by_id
from core.precollections.criteria import Criteria
from core.precollections.moves import FROM_TASKS, Placing
from core.security import Actor
from db.demo_calls import DemoClock
from db.uow import SqlUnitOfWork

AGENCIES = {"DEMO-FAM": ("CBA", "Consumer Bureau of Accounts", "xlsx"),
            "DEMO-ORTHO": ("RRS", "Riverside Recovery Services", "csv"),
            "DEMO-OCC": ("CCS", "Commercial Collection Services", "csv")}
# The list: balances of 50.00 or more, 120 days old or older, at least one dunning message; seven
# weeks ago the office also took balances of 100.00 or more that were 60 days old.
CRITERIA = Criteria(encounter_balance_min=5000, age_min=120, dunning_min=1)
SOONER = Criteria(encounter_balance_min=10000, age_min=60, dunning_min=1)
FIRST_DAY = 210           # days before the business date: the agency signed up, the first build
# Add Pre-Collection Tasks (Clear unchecked) on these days before the business date, with these
# criteria: the first build takes the backlog, each later one what aged into the criteria since,
# so the tasks still on the list fall in every days-in-state bucket.
BUILDS: tuple[tuple[int, Criteria], ...] = ((210, CRITERIA), (110, CRITERIA), (80, CRITERIA), (50, SOONER),
                                            (20, SOONER))
# Work days between the builds (days before the business date): per action, the per cent of the
# tasks it applies to that it takes (at least one, at most CAP), all applied together in one Apply
# Action — send-to-collections, write-off and remove take Pre-Collections tasks, send-to-agency
# Not Sent ones.
WORK: tuple[tuple[int, dict[str, int]], ...] = (
    (196, {"send-to-collections": 30}),
    (140, {"send-to-collections": 25, "send-to-agency": 55, "write-off": 3}),
    (100, {"send-to-collections": 25, "send-to-agency": 50, "remove": 3}),
    (70, {"send-to-collections": 20, "send-to-agency": 45}),
    (36, {"send-to-collections": 20, "send-to-agency": 45, "write-off": 3}),
    (8, {"send-to-collections": 20, "send-to-agency": 40}),
)
CAP = 200  # tasks one action takes on one work day: a medium or large demo's list is worked in part
WAITING = 2  # Send to Collections set on the business date on this many tasks, left for Apply
NEEDS_BALANCE = ("send-to-collections", "write-off")  # the moves that take a balance out of A/R
FROM_STATE = {"send-to-collections": "pre", "write-off": "pre", "remove": "pre", "send-to-agency": "not_sent"}


def build(engine: Engine, actor: Actor, as_of: dt.date, folder: Path) -> dict[str, int]:
    """Run the workflow in every demo practice; returns task counts per state over all of them."""
    with SqlUnitOfWork(engine, write=False) as u:
        practices = [(p.id, p.source_id) for p in u.session.exec(
            select(Practice).where(col(Practice.source_id).in_(list(AGENCIES))).order_by(col(Practice.id)))]
    clock = DemoClock(as_of)
    for practice_id, source_id in practices:
        assert practice_id is not None
        _practice(engine, clock, actor, as_of, practice_id, AGENCIES[source_id], folder)
    with SqlUnitOfWork(engine, write=False) as u:
        counts: dict[str, int] = {}
        for practice_id, _ in practices:
            for state, (n, _cents) in pc.totals(u, actor, practice_id).items():  # type: ignore[arg-type]
                counts[state] = counts.get(state, 0) + n
    return counts


def _practice(engine: Engine, clock: DemoClock, actor: Actor, as_of: dt.date, pid: int,
              agency: tuple[str, str, str], folder: Path) -> None:
    code, name, file_format = agency
    first = as_of - dt.timedelta(days=FIRST_DAY)
    clock.call(engine, first, agency_files.save_agency, actor, pid, code, first, name=name, file_format=file_format,
               contact="accounts@example.com", baa_signed=as_of - dt.timedelta(days=400))
    calendar: list[tuple[int, Criteria | dict[str, int]]] = [*BUILDS, *WORK]
    calendar.sort(key=lambda step: -step[0])   # stable: builds of one day in their order
    for step, (days_ago, work) in enumerate(calendar):
        day = as_of - dt.timedelta(days=days_ago)
        if isinstance(work, Criteria):
            clock.call(engine, day, pc.add_tasks, actor, pid, work, day, confirmed=True)
            continue
        actions = work
        taken: set[int] = set()   # a task takes one action; Not Sent tasks are the ones that waited
        for what, share in actions.items():
            to_agency = (code, day) if what == "send-to-agency" else None
            candidates = [n for n in _candidates(engine, pid, FROM_STATE[what], what in NEEDS_BALANCE, to_agency)
                          if n not in taken]
            tasks = _spread(candidates, share, step)
            taken.update(tasks)
            if tasks:
                clock.call(engine, day, pc.set_action, actor, pid, what, day, tasks=tasks)
        if taken:
            clock.call(engine, day, pc.apply, actor, pid, day, None, code, folder, confirmed=True)
    waiting = _spread(_candidates(engine, pid, "pre", True), 100, 0)[:WAITING]
    if waiting:
        clock.call(engine, as_of, pc.set_action, actor, pid, "send-to-collections", as_of, tasks=waiting)


def _candidates(engine: Engine, pid: int, state: str, needs_balance: bool,
                to_agency: tuple[str, dt.date] | None = None) -> list[int]:
    """Task numbers in `state` that the action may take (a balance in A/R where it moves money;
    employers only where Employer Collections is on; only what may go to the agency that day,
    SPEC 14 and 15.5, where it sends them to one), by task number."""
    balance = "AND e.ar_cents > 0 AND (g.kind = 'patient' OR p.employer_collections = TRUE)" if needs_balance else ""
    with SqlUnitOfWork(engine, write=False) as u:
        params: dict[str, object] = {"p": pid, "s": state}
        allowed = ""
        if to_agency is not None:
            practice = practice_by_id(u, pid)
            agency = agency_files.find_agency(u, pid, to_agency[0])
            assert agency is not None
            placing = Placing(eligibility.rules_for(u, practice, to_agency[1]), saved_id(agency))
            allowed = "".join(f" AND {cond}" for cond in placing.allowed(of_encounter("e")))
            params.update(placing.rules.params())
        rows = u.session.execute(text(f"""
            SELECT t.task_no {FROM_TASKS} JOIN practice p ON p.id = t.practice_id
            WHERE t.practice_id = :p AND t.on_list = TRUE AND t.state = :s {balance}{allowed}
            ORDER BY t.task_no"""), params).scalars().all()
    return [int(n) for n in rows]


def _spread(tasks: list[int], share: int, step: int) -> list[int]:
    """`share` per cent of the tasks (at least one when there are any, at most CAP), evenly spread over the
    list and starting at a different place for each step, so no age or balance is favoured."""
    if not tasks:
        return []
    n = min(CAP, max(1, len(tasks) * share // 100))
    stride = len(tasks) / n
    offset = (step * 0.37) % 1
    return sorted({tasks[min(len(tasks) - 1, int((i + offset) * stride))] for i in range(n)})
