"""Moving tasks along the transition table, set-based: guards, history, ledger, state.

Every path that changes a task's state (Apply Action, the dashboards' To Collections, the agency
spreadsheet's "update records as Sent") selects its tasks with a SQL condition over the task `t`
and calls `guard` then `move` with a `Transition` from core.precollections.states. So a single encounter and
100,000 tasks go through the same statements and the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from core import eca
from core.eligibility import Rules, Subject, collectable, of_encounter, reasons
from core.errors import Refused
from core.ledger import Journal
from core.models.ledger import Practice
from core.precollections.states import ACTION_LABELS, STATE_LABELS, Transition, refusal, transition
from core.sql import q, rowcount
from core.tallies import reason_words
from core.uow import UnitOfWork

NAMED = 10  # tasks named in a refusal before "and N more"
FROM_TASKS = ("FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id "
              "JOIN guarantor g ON g.id = e.guarantor_id")
_JOINED = re.compile(r"\b[eg]\.")


def _tasks_only(where: str) -> bool:
    """True when a selection names only task columns, so a batch statement can skip the joins
    (Apply's selection: on 100,000 tasks the joins cost about as much as the UPDATE itself)."""
    return _JOINED.search(where) is None


@dataclass(frozen=True)
class Placing:
    """An agency step's guard (SPEC 14, 15.5): the rules of the business date and the agency the
    tasks go to. Sending a balance to an agency is an agency step like an external placement, so
    the income exemption applies, and for an ECA agency of a 501(r) practice the three ECA
    conditions do (core.eligibility; the same rule as every other workflow)."""
    rules: Rules
    agency_id: int

    def reasons(self, subject: Subject) -> list[tuple[str, str]]:
        """(reason code, SQL true when it keeps the subject from this agency), one kind at a time."""
        return reasons("precollections", subject, self.rules, agency=True, placing_with=str(int(self.agency_id)))

    def allowed(self, subject: Subject) -> list[str]:
        """Conditions (ANDed) that let the subject go to this agency."""
        return collectable("precollections", subject, self.rules, agency=True,
                           placing_with=str(int(self.agency_id)))


@dataclass
class Move:
    """What one call of `move` needs besides the transition and the selection."""
    practice: Practice
    operator: str
    as_of: dt.date
    now: dt.datetime
    run_id: int
    journal: Journal | None = None
    agency_id: int | None = None
    batch_no: int | None = None


def group_totals(uow: UnitOfWork, where: str, params: dict[str, Any],
                 action_sql: str = "t.action") -> list[tuple[str, str, int, int]]:
    """(state, action, count, cents) of the selected tasks, in a stable order."""
    rows = uow.session.execute(q(
        f"SELECT t.state, {action_sql}, COUNT(*), COALESCE(SUM(e.ar_cents + e.collections_cents), 0) "
        f"{FROM_TASKS} WHERE {where} GROUP BY t.state, {action_sql} ORDER BY t.state, {action_sql}",
        params)).all()
    return [(s, a, int(n), int(c)) for s, a, n, c in rows]


def guard(uow: UnitOfWork, practice: Practice, state: str, action: str, where: str,
          params: dict[str, Any], stale_hint: bool = False, placing: Placing | None = None) -> list[str]:
    """Every reason the selected tasks in `state` cannot take `action`, naming the tasks. With
    `placing`, an action that sends them to an agency also names every task SPEC 14 keeps from it."""
    tr = transition(state, action)
    hint = " (its state changed after the action was set)" if stale_hint else ""
    checks: list[tuple[str, str]] = []
    if tr is None:
        checks.append(("1 = 1", f"{refusal(state, action)}{hint}"))
    else:
        if set(tr.kinds) != {"patient", "employer"}:
            other = "patient" if "patient" not in tr.kinds else "employer"
            checks.append((f"g.kind = '{other}'", refusal(state, action, other) or ""))
        if action == "send-to-collections" and not practice.employer_collections:
            checks.append(("g.kind = 'employer'", "Employer Collections is not activated for this "
                                                   "practice (only Support can activate it)"))
        if tr.needs_balance:
            checks.append(("e.ar_cents <= 0", f"there is no guarantor balance in A/R to "
                                              f"{ACTION_LABELS[action].lower()}"))
        if tr.needs_agency and placing is not None:
            checks += [(sql, f"may not go to this agency: {eca.REASONS.get(code) or reason_words(code)} [{code}]")
                       for code, sql in placing.reasons(of_encounter("e"))]
    problems: list[str] = []
    own = {**params, **(placing.rules.params() if placing else {}), "g_state": state}
    for cond, reason in checks:
        rows = uow.session.execute(q(
            f"SELECT t.task_no, e.source_id {FROM_TASKS} WHERE {where} AND t.state = :g_state AND {cond} "
            f"ORDER BY t.task_no LIMIT {NAMED + 1}", own)).all()
        problems += [f"task {n} (encounter {src}): {reason}" for n, src in rows[:NAMED]]
        if len(rows) > NAMED:
            problems.append(f"... and more tasks {STATE_LABELS[state]} with the same problem")
    return problems


def refuse_if(problems: list[str], what: str) -> None:
    if problems:
        raise Refused(f"{what} refused, nothing was changed: " + "; ".join(problems))


def move(uow: UnitOfWork, m: Move, tr: Transition, where: str, params: dict[str, Any]) -> int:
    """Move the selected tasks (all in tr.state) to tr.target: history, postings, state. Count moved."""
    own = {"g_state": tr.state, "run": m.run_id, "d": m.as_of, "at": m.now, "op": m.operator, "act": tr.action,
           "target": tr.target, "on_list": tr.on_list, "agency": m.agency_id, "batch": m.batch_no}
    clash = set(own) & set(params) - {"run", "d", "at", "op"}
    if clash:  # a selection parameter would silently take another meaning
        raise ValueError(f"selection parameters clash with move parameters: {sorted(clash)}")
    p = {**params, **own}
    sel = f"{where} AND t.state = :g_state"
    agency, batch, stamp = _agency_batch(tr, m)
    s = uow.session
    s.execute(q(f"""
        INSERT INTO precollection_history (practice_id, task_id, encounter_id, run_id, from_state, to_state,
            action, amount_cents, agency_id, batch_no, business_date, at, operator)
        SELECT t.practice_id, t.id, t.encounter_id, :run, t.state, :target, :act,
               e.ar_cents + e.collections_cents, {agency.replace('agency_id', 't.agency_id')},
               {batch.replace('batch_no', 't.batch_no')}, :d, :at, :op
        FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id
        {"" if _tasks_only(sel) else "JOIN guarantor g ON g.id = e.guarantor_id"} WHERE {sel}""", p))
    if tr.ledger:
        _post(uow, m, tr, sel, p)
    # a column the move leaves as it is stays out of SET: SQLite rewrites the index entries and
    # checks the foreign key of every column assigned, even to itself
    changed = "".join(f"{c} = {v}, " for c, v in (("agency_id", agency), ("batch_no", batch), ("sent_at", stamp))
                   if v != c)
    result = s.execute(q(f"""
        UPDATE precollection_task AS t SET state = :target, on_list = :on_list, state_date = :d, run_id = :run,
            version = version + 1, {changed}
            action = CASE WHEN action = :act THEN NULL ELSE action END,
            action_by = CASE WHEN action = :act THEN NULL ELSE action_by END
        WHERE {sel if _tasks_only(sel) else f"t.id IN (SELECT t.id {FROM_TASKS} WHERE {sel})"}""", p))
    return rowcount(result)


def _task_source(where: str) -> str:
    return "FROM precollection_task t" if _tasks_only(where) else FROM_TASKS


def _agency_batch(tr: Transition, m: Move) -> tuple[str, str, str]:
    """SQL for the task's agency, batch number and sent stamp after the move (no NULL parameters:
    PostgreSQL cannot type them in a select list)."""
    if tr.target == "pre":  # back to Pre-Collections: no agency, no batch
        return "NULL", "NULL", "NULL"
    if tr.needs_agency:
        if m.agency_id is None or m.batch_no is None:
            raise ValueError("sending to an agency needs the agency and a batch number")
        return ":agency", ":batch", ":at"
    if tr.target == "not_sent" and m.agency_id is not None:
        return ":agency", "batch_no", "sent_at"
    return "agency_id", "batch_no", "sent_at"


def _post(uow: UnitOfWork, m: Move, tr: Transition, sel: str, p: dict[str, Any]) -> None:
    """The ledger effect, one transaction per line with a balance in the source bucket.

    A line holding a credit moves the other way with a positive amount, so the encounter's whole
    balance changes bucket and nothing is left behind.
    """
    assert m.journal is not None and tr.ledger is not None
    src, dst = tr.ledger
    col = f"l.{src}_cents"
    only_guarantor = " AND l.responsibility = 'guarantor'" if src == "ar" else ""
    code = m.practice.write_off_code if tr.txn_kind == "write_off" else None
    uow.session.execute(q(f"""
        INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
            bucket_from, bucket_to, amount_cents, adjustment_code, memo)
        SELECT l.practice_id, :j, l.guarantor_id, l.id, :d, :txn_kind, 'system',
               CASE WHEN {col} > 0 THEN :src ELSE :dst END, CASE WHEN {col} > 0 THEN :dst ELSE :src END,
               ABS({col}), {":code" if code else "NULL"}, :memo
        FROM service_line l
        WHERE {col} <> 0{only_guarantor}
          AND l.encounter_id IN (SELECT t.encounter_id {_task_source(sel)} WHERE {sel})""",
        {**p, "j": m.journal.id, "txn_kind": tr.txn_kind, "src": src, "dst": dst, "code": code,
         "memo": f"Pre-Collections: {ACTION_LABELS[tr.action]}"}))
