"""Moving placements, set-based: the run record, the stamp, the history, the ledger transfer.

Every path that changes placements (the nightly run's steps, an operator's approve or reverse,
a returns import) selects them with a SQL condition over placement `x` and line `l`, and goes
through the same three statements: an UPDATE that also stamps each row with the run and step
(and keeps its previous state and agency), an INSERT ... SELECT of history rows from what was
stamped, and for money an INSERT ... SELECT into ledger_txn within the run's journal. So a single
line and 100,000 lines follow the same rules, and counts and dollars come from the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core.errors import Refused
from core.external.states import MOVES, enter, starts
from core.ledger import Journal
from core.models.agencies import ExternalRun
from core.models.base import saved_id
from core.models.ledger import Practice
from core.sql import q
from core.uow import UnitOfWork

FROM_X = "external_placement x JOIN service_line l ON l.id = x.line_id"
NAMED = 10  # lines named in a refusal before "and more"


@dataclass
class Step:
    """The parameters every statement of one run shares."""
    practice: Practice
    run: ExternalRun
    operator: str
    as_of: dt.date
    now: dt.datetime
    journal: Journal | None = None
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, Any]:
        return {"p": self.practice.id, "run": self.run.id, "d": self.as_of, "at": self.now, "op": self.operator}


def lock(uow: UnitOfWork, practice: Practice, as_of: dt.date | None = None) -> None:
    """One writer per practice's external work at a time; the nightly run also per date."""
    uow.lock(f"external:{practice.id}")
    if as_of is not None:
        uow.lock(f"external:{practice.id}:{as_of.isoformat()}")


def start(uow: UnitOfWork, practice: Practice, kind: str, operator: str, as_of: dt.date) -> Step:
    now = uow.now()
    run = ExternalRun(practice_id=saved_id(practice), kind=kind, operator=operator, business_date=as_of, started_at=now)
    uow.session.add(run)
    uow.session.flush()
    return Step(practice, run, operator, as_of, now)


def stamp(step_name: str) -> str:
    """The SET clause every placement change carries (after its own assignments)."""
    return (f"prev_state = state, prev_agency_id = agency_id, last_run_id = :run, last_step = '{step_name}', "
            "version = version + 1")


def update(uow: UnitOfWork, st: Step, op: str, sets: str, where: str, params: dict[str, Any]) -> None:
    """Move the selected placements (condition over x and l) by operation `op` of the transition
    table: only those in a state it starts from, into its target state, stamped with its step.
    `sets` adds what else the operation changes (agency, dates, batch)."""
    m = MOVES[op]
    assignments = ", ".join(s for s in (enter(op) if m.enters else "", sets, stamp(m.history_step)) if s)
    uow.session.execute(q(f"UPDATE external_placement SET {assignments} "
                          f"WHERE id IN (SELECT x.id FROM {FROM_X} WHERE ({where}) AND {starts(op)})",
                          {**st.params, **params}))


def history(uow: UnitOfWork, st: Step, op: str, extra: str = "1 = 1",
            params: dict[str, Any] | None = None) -> tuple[int, int]:
    """History rows for what this run's step of operation `op` stamped (narrowed by `extra` when
    one step is taken in parts, like one file per agency); returns (count, dollars) and adds them
    to the run's totals (by step)."""
    step_name = MOVES[op].history_step
    p = {**st.params, "step": step_name, **(params or {})}
    uow.session.execute(q(f"""
        INSERT INTO external_history (practice_id, placement_id, run_id, step, from_state, to_state,
            from_agency_id, agency_id, amount_cents, business_date, at, operator)
        SELECT x.practice_id, x.id, :run, :step, x.prev_state, x.state, x.prev_agency_id, x.agency_id,
               l.ar_cents + l.collections_cents, :d, :at, :op
        FROM {FROM_X} WHERE x.last_run_id = :run AND x.last_step = :step AND {extra}""", p))
    n, cents = totals(uow, f"x.last_run_id = :run AND x.last_step = :step AND {extra}", p)
    before = st.totals.get(step_name, (0, 0))
    st.totals[step_name] = (before[0] + n, before[1] + cents)
    return int(n), int(cents)


def transfer(uow: UnitOfWork, st: Step, where: str, params: dict[str, Any], src: str, dst: str, memo: str) -> None:
    """Move each selected line's whole balance in bucket `src` to `dst` (a credit moves the other
    way with a positive amount, so nothing is left behind)."""
    assert st.journal is not None
    column = f"l.{src}_cents"
    uow.session.execute(q(f"""
        INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
            bucket_from, bucket_to, amount_cents, memo)
        SELECT l.practice_id, :j, l.guarantor_id, l.id, :d, 'transfer', 'system',
               CASE WHEN {column} > 0 THEN :src ELSE :dst END, CASE WHEN {column} > 0 THEN :dst ELSE :src END,
               ABS({column}), :memo
        FROM {FROM_X} WHERE {column} <> 0 AND {where}""",
        {**st.params, **params, "j": st.journal.id, "src": src, "dst": dst, "memo": memo}))


def totals(uow: UnitOfWork, where: str, params: dict[str, Any]) -> tuple[int, int]:
    """(lines, open balance) of the selected placements."""
    n, cents = uow.session.execute(q(f"SELECT COUNT(*), COALESCE(SUM(l.ar_cents + l.collections_cents), 0) "
                                     f"FROM {FROM_X} WHERE {where}", params)).one()
    return int(n), int(cents)


def refuse_where(uow: UnitOfWork, where: str, params: dict[str, Any], reason: str, what: str) -> None:
    """Refuse (naming the lines) when any selected placement meets a condition that forbids `what`."""
    rows = uow.session.execute(q(f"SELECT l.source_id FROM {FROM_X} WHERE {where} ORDER BY l.source_id "
                                 f"LIMIT {NAMED + 1}", params)).all()
    if rows:
        named = ", ".join(str(r[0]) for r in rows[:NAMED]) + (" and more" if len(rows) > NAMED else "")
        raise Refused(f"{what} refused, nothing was changed: line {named}: {reason}")
