"""Encounter collections (SPEC section 3): build the Pre-Collections list, work it, apply actions.

Use cases take the unit of work, the operator, the practice and the business date, do their work
set-based under the practice's list lock, and commit once. Whatever changes state or money first
raises NeedsConfirmation with counts and dollars unless `confirmed`; nothing is written before.
The rules of each move live in core.precollections.states; the statements that make moves in
core.precollections.moves; criteria and Explain in core.precollections.criteria.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from core import anchors, audit, eligibility, ledger, tallies
from core.eligibility import age_in_days, of_encounter
from core.errors import BadInput, Conflict, NeedsConfirmation, Refused, Summary, SummaryLine, agree, counted
from core.exchange import agency_files, baa
from core.explain import Reason, Target, Verdict, verdict
from core.limits import LIMIT, NUMBER, PAGE_AFTER
from core.models.base import saved_id
from core.models.ledger import Encounter, Guarantor, Practice
from core.models.precollections import ACTIONS, ON_LIST_STATES, AgencyFile, PrecollectionRun
from core.money import format_plain
from core.practices import practice_by_id
from core.precollections.criteria import (
    BALANCE_SQL,
    Check,
    Criteria,
    TaskFilter,
    explain_checks,
    filter_sql,
    matching_sql,
    oldest_anchor_sql,
    spec14_sql,
)
from core.precollections.moves import FROM_TASKS, Move, Placing, group_totals, guard, move, refuse_if
from core.precollections.states import ACTION_LABELS, STATE_LABELS, TRANSITIONS, transition
from core.runs import latest_business_date, refuse_earlier
from core.security import Actor, require
from core.sql import as_date, q, rowcount
from core.uow import UnitOfWork

NO_FILTER = TaskFilter()  # list_tasks' default: frozen, so one shared instance is safe
AUDIT_IDS = 500  # task numbers named in one audit entry; the run id names them all via history


# ----------------------------------------------------------------------------------------- lookups

def _encounter(uow: UnitOfWork, practice: Practice, ref: str) -> Encounter:
    enc = uow.session.exec(select(Encounter).where(Encounter.practice_id == practice.id,
                                                   Encounter.source_id == ref)).first()
    if enc is None:
        raise BadInput(f"encounter: no encounter {ref!r} in practice {practice.source_id}", field="encounter")
    return enc


def _guarantor(uow: UnitOfWork, practice: Practice, ref: str) -> Guarantor:
    g = uow.session.exec(select(Guarantor).where(Guarantor.practice_id == practice.id,
                                                 Guarantor.source_id == ref)).first()
    if g is None:
        raise BadInput(f"guarantor: no guarantor {ref!r} in practice {practice.source_id}", field="guarantor")
    return g


def _lock(uow: UnitOfWork, practice: Practice) -> None:
    """One writer at a time per practice's list: task numbers, batch numbers and guards stay true."""
    uow.lock(f"precollections:{practice.id}")


def _run(uow: UnitOfWork, practice: Practice, kind: str, actor: Actor, as_of: dt.date,
         criteria: str | None = None) -> PrecollectionRun:
    run = PrecollectionRun(practice_id=saved_id(practice), kind=kind, operator=actor.name, business_date=as_of,
                           created_at=uow.now(), criteria=criteria)
    uow.session.add(run)
    uow.session.flush()
    return run


def latest_run(uow: UnitOfWork, practice: Practice, kind: str) -> dt.date | None:
    """The business date of the practice's latest run of this kind ("build", "spreadsheet"); a run
    row is written in its batch's own transaction, so every one found is committed."""
    return latest_business_date(uow, "precollection_run", "practice_id = :p AND kind = :k",
                                {"p": practice.id, "k": kind})


def _task_numbers(uow: UnitOfWork, where: str, params: dict[str, Any]) -> list[int]:
    rows = uow.session.execute(q(f"SELECT t.task_no {FROM_TASKS} WHERE {where} ORDER BY t.task_no "
                                 f"LIMIT {AUDIT_IDS}", params)).all()
    return [int(r[0]) for r in rows]


# ------------------------------------------------------------------------------ employer setting

def set_employer_collections(uow: UnitOfWork, actor: Actor, practice_id: int, on: bool,
                             as_of: dt.date) -> Practice:
    """Activate or deactivate Employer Collections: an internal setting only Support may change."""
    require(actor, "support", "activate or deactivate Employer Collections")
    practice = practice_by_id(uow, practice_id)
    before = practice.employer_collections
    practice.employer_collections, practice.version = on, practice.version + 1
    uow.session.add(practice)
    audit.record(uow, actor.name, "practice.employer_collections", "practice", [practice.source_id],
                 {"employer_collections": before}, {"employer_collections": on}, as_of)
    uow.commit()
    return practice


# ------------------------------------------------------------------------------------ list build

@dataclass
class BuildResult:
    run_id: int
    balance_for: str
    added: int = 0  # new to the list, with new task numbers
    returned: int = 0  # back on the list with their old task numbers
    dropped: int = 0  # left out by a Clear rebuild
    actions_cleared: int = 0
    on_list: int = 0  # Pre-Collections tasks after the build
    dollars: int = 0
    tally: tallies.TallyView | None = None  # considered, taken, and left out by reason (SPEC 14)


def add_tasks(uow: UnitOfWork, actor: Actor, practice_id: int, criteria: Criteria, as_of: dt.date,
              clear: bool = False, confirmed: bool = False) -> BuildResult:
    """Add Pre-Collection Tasks: add the matching encounters (or, with Clear, rebuild the list).

    Without Clear everything on the list stays, even encounters paid to zero since. With Clear the
    Pre-Collections list becomes exactly the matching encounters, old ones keeping their task
    numbers; every Set Action not yet applied is lost, so that needs confirmation first.
    """
    require(actor, "collector", "build the Pre-Collections list")
    anchors.after_batch(uow)
    criteria.check()
    practice = practice_by_id(uow, practice_id)
    _lock(uow, practice)
    refuse_earlier("Add Pre-Collection Tasks", as_of, latest_run(uow, practice, "build"),
                   f"practice {practice.source_id}")
    kind = _balance_for(practice, criteria.balance_for)
    _known_profile(uow, practice, criteria.statement_profile)
    ids = {"encounter": _encounter(uow, practice, criteria.encounter).id if criteria.encounter else None,
           "guarantor": _guarantor(uow, practice, criteria.guarantor).id if criteria.guarantor else None}
    rules = eligibility.rules_for(uow, practice, as_of)
    every, params = matching_sql(criteria, practice.aging_basis, as_of, ids, kind, rules, spec14=False)
    params["p"] = practice.id
    pending = _count(uow, "t.practice_id = :p AND t.on_list AND t.action IS NOT NULL", params) if clear else 0
    if pending and not confirmed:
        raise NeedsConfirmation(Summary("Clear current Pre-Collection Tasks", [SummaryLine(
            pending, None, "with a Set Action not yet applied will lose it")],
            ["Apply the Set Actions first to keep them; Save & Continue clears them."]))
    stored = dataclasses.replace(criteria, balance_for=kind)
    run = _run(uow, practice, "build", actor, as_of, json.dumps({"criteria": json.loads(stored.to_json()),
                                                                 "clear": clear}))
    result = BuildResult(saved_id(run), kind)
    p = {**params, "run": run.id, "d": as_of, "at": uow.now(), "op": actor.name}
    _fill_work(uow, every, rules, p)
    if clear:
        result.actions_cleared = _execute(uow, """UPDATE precollection_task SET action = NULL, action_by = NULL,
            version = version + 1 WHERE practice_id = :p AND on_list AND action IS NOT NULL""", p)
        result.dropped = _drop_unmatched(uow, TAKEN, p)
    result.returned = _return_matched(uow, TAKEN, p)
    result.added = _insert_new(uow, practice, TAKEN, p)
    result.tally = _tally(uow, actor, practice, rules, as_of, p)
    _execute(uow, "DELETE FROM precollection_work WHERE run_id = :run", p)
    result.on_list, result.dollars = _count_and_dollars(uow, "t.practice_id = :p AND t.on_list AND t.state = 'pre'", p)
    audit.record(uow, actor.name, "precollections.build", "precollection_run", [run.id], None,
                 {**json.loads(run.criteria or "{}"), "added": result.added, "returned": result.returned,
                  "dropped": result.dropped, "actions_cleared": result.actions_cleared}, as_of)
    uow.commit()
    return result


# The encounters a build takes: those its criteria matched (`_fill_work`) that SPEC 14 lets onto the list.
TAKEN = "SELECT w.encounter_id AS id, w.guarantor_id FROM precollection_work w WHERE w.run_id = :run AND NOT w.kept_out"


def _fill_work(uow: UnitOfWork, every: str, rules: eligibility.Rules, p: dict[str, Any]) -> None:
    """Match the encounters once, before SPEC 14 (`every`: matching_sql's FROM ... WHERE without
    it), noting whether SPEC 14 keeps each off the list (the same conditions as the guard a
    match with SPEC 14 carries: a NULL keeps it out, as a WHERE would). Bringing back, adding and
    the tally then read these rows: matching three times cost three reads of the practice's
    encounters, and SPEC 14's sets were probed on each."""
    allowed = " AND ".join(spec14_sql(rules)) or "1 = 1"
    _execute(uow, f"""INSERT INTO precollection_work (run_id, encounter_id, guarantor_id, cents, kept_out)
        SELECT :run, e.id, e.guarantor_id, e.ar_cents, CASE WHEN {allowed} THEN FALSE ELSE TRUE END {every}""", p)


def _tally(uow: UnitOfWork, actor: Actor, practice: Practice, rules: eligibility.Rules,
           as_of: dt.date, p: dict[str, Any]) -> tallies.TallyView:
    """The build's tally: the encounters it added or brought back, and the matching encounters
    not on the list that a SPEC 14 reason kept off it (the work rows SPEC 14 kept out: only
    they are asked which reason, by their own keys)."""
    counter = tallies.Counter(uow, "precollections_add", saved_id(practice), as_of, actor.name,
                              f"precollection_run {p['run']}")
    counter.exclude("""SELECT w.guarantor_id, w.encounter_id, w.cents FROM precollection_work w
        WHERE w.run_id = :run AND w.kept_out
          AND NOT EXISTS (SELECT 1 FROM precollection_task x WHERE x.encounter_id = w.encounter_id AND x.on_list)""",
                    p, eligibility.reasons("precollections", tallies.CANDIDATE, rules), where="1 = 1")
    for group, n, cents in uow.session.execute(q("""SELECT CASE WHEN t.version = 1 THEN 'added' ELSE 'returned' END,
            COUNT(*), COALESCE(SUM(e.ar_cents), 0) FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id
        WHERE t.practice_id = :p AND t.run_id = :run AND t.on_list AND t.state = 'pre' GROUP BY 1""", p)):
        counter.took(group, n, int(cents))
    return counter.finish()


def _balance_for(practice: Practice, wanted: str | None) -> str:
    """Patient or Employer; Employer is the default, and only possible, with Employer Collections on."""
    kind = wanted or ("employer" if practice.employer_collections else "patient")
    if kind == "employer" and not practice.employer_collections:
        raise Refused(f"practice {practice.source_id}: Employer Collections is not activated "
                      "(only Support can activate it), so employer balances cannot go to collections")
    return kind


def _execute(uow: UnitOfWork, sql: str, params: dict[str, Any]) -> int:
    return rowcount(uow.session.execute(q(sql, params)))


def _count(uow: UnitOfWork, where: str, params: dict[str, Any]) -> int:
    return _count_and_dollars(uow, where, params)[0]


def _count_and_dollars(uow: UnitOfWork, where: str, params: dict[str, Any]) -> tuple[int, int]:
    n, cents = uow.session.execute(q(
        f"SELECT COUNT(*), COALESCE(SUM({BALANCE_SQL}), 0) {FROM_TASKS} WHERE {where}", params)).one()
    return int(n), int(cents)


HISTORY_INSERT = """INSERT INTO precollection_history (practice_id, task_id, encounter_id, run_id, from_state,
    to_state, action, amount_cents, agency_id, batch_no, business_date, at, operator)"""


def _drop_unmatched(uow: UnitOfWork, chosen: str, p: dict[str, Any]) -> int:
    """Clear: Pre-Collections tasks that no longer match (paid off, changed) leave the list.
    `chosen` selects the encounters the build takes (id, guarantor_id)."""
    where = (f"t.practice_id = :p AND t.on_list AND t.state = 'pre' "
             f"AND t.encounter_id NOT IN (SELECT c.id FROM ({chosen}) c)")
    uow.session.execute(q(f"""{HISTORY_INSERT}
        SELECT t.practice_id, t.id, t.encounter_id, :run, t.state, 'dropped', NULL,
               x.ar_cents + x.collections_cents, t.agency_id, NULL, :d, :at, :op
        FROM precollection_task t JOIN encounter x ON x.id = t.encounter_id WHERE {where}""", p))
    return _execute(uow, f"""UPDATE precollection_task SET state = 'dropped', on_list = FALSE, state_date = :d,
        run_id = :run, version = version + 1, action = NULL, action_by = NULL
        WHERE id IN (SELECT t.id FROM precollection_task t WHERE {where})""", p)


def _return_matched(uow: UnitOfWork, chosen: str, p: dict[str, Any]) -> int:
    """Matching encounters (`chosen`: id, guarantor_id) that were on the list before come back
    with their old task numbers."""
    matched = f"encounter_id IN (SELECT c.id FROM ({chosen}) c)"
    uow.session.execute(q(f"""{HISTORY_INSERT}
        SELECT t.practice_id, t.id, t.encounter_id, :run, t.state, 'pre', NULL,
               x.ar_cents + x.collections_cents, NULL, NULL, :d, :at, :op
        FROM precollection_task t JOIN encounter x ON x.id = t.encounter_id
        WHERE t.practice_id = :p AND NOT t.on_list AND t.{matched}""", p))
    return _execute(uow, f"""UPDATE precollection_task SET state = 'pre', on_list = TRUE, state_date = :d,
        run_id = :run, version = version + 1, action = NULL, action_by = NULL, agency_id = NULL,
        batch_no = NULL, sent_at = NULL WHERE practice_id = :p AND NOT on_list AND {matched}""", p)


def _insert_new(uow: UnitOfWork, practice: Practice, chosen: str, p: dict[str, Any]) -> int:
    """Encounters (`chosen`: id, guarantor_id) never on the list get the next task numbers, in
    encounter order.

    Their history rows pick them out as this run's tasks still at version 1 (a task brought back
    by `_return_matched` has a higher one), not by looking for a history row they lack: on
    PostgreSQL that lookup, planned against statistics from before the insert, scanned the growing
    history table once per task (236 s for 100,000 tasks instead of about 2)."""
    base = uow.session.execute(q("SELECT COALESCE(MAX(task_no), 0) FROM precollection_task WHERE practice_id = :p",
                                 p)).scalar_one()
    added = _execute(uow, f"""INSERT INTO precollection_task (practice_id, task_no, encounter_id, guarantor_id,
            on_list, state, state_date, run_id, version)
        SELECT :p, :base + ROW_NUMBER() OVER (ORDER BY c.id), c.id, c.guarantor_id, TRUE, 'pre', :d, :run, 1
        FROM ({chosen}) c WHERE NOT EXISTS (SELECT 1 FROM precollection_task x WHERE x.encounter_id = c.id)""",
                     {**p, "base": int(base)})
    uow.session.execute(q(f"""{HISTORY_INSERT}
        SELECT t.practice_id, t.id, t.encounter_id, :run, NULL, 'pre', NULL,
               x.ar_cents + x.collections_cents, NULL, NULL, :d, :at, :op
        FROM precollection_task t JOIN encounter x ON x.id = t.encounter_id
        WHERE t.practice_id = :p AND t.run_id = :run AND t.version = 1""", p))
    return added


# ------------------------------------------------------------------------------- reading the list

@dataclass(frozen=True)
class TaskRow:
    task: int
    encounter: str
    guarantor: str
    guarantor_name: str
    patient_name: str | None
    kind: str
    balance_cents: int
    escrow_cents: int
    state: str
    action: str | None
    state_date: dt.date
    days_in_state: int
    age_days: int | None
    dunning: int
    agency: str | None
    batch_no: int | None


def _filter(uow: UnitOfWork, practice: Practice, filt: TaskFilter, as_of: dt.date) -> tuple[str, dict[str, Any]]:
    bad = [s for s in filt.states if s not in ON_LIST_STATES]
    if bad:
        raise BadInput(f"state: {bad[0]!r} is not pre, not-sent or sent", field="state")
    _known_profile(uow, practice, filt.statement_profile)
    gid = _guarantor(uow, practice, filt.guarantor).id if filt.guarantor else None
    where, params = filter_sql(filt, practice.aging_basis, as_of, gid)
    params["p"] = practice.id
    return where, params


def _known_profile(uow: UnitOfWork, practice: Practice, profile: str | None) -> None:
    """A statement profile no encounter of the practice carries is a typing mistake: refused,
    naming the profiles there are, rather than building (or showing) an empty list in silence."""
    if profile is None:
        return
    known = sorted(str(p) for (p,) in uow.session.execute(q(
        "SELECT DISTINCT statement_profile FROM encounter WHERE practice_id = :p AND statement_profile IS NOT NULL",
        {"p": practice.id})))
    if profile not in known:
        there = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "") if known else "none on file"
        raise BadInput(f"statement-profile: no encounter of practice {practice.source_id} has the statement profile "
                       f"{profile!r} (known: {there})", field="statement_profile")


def list_tasks(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date,
               filt: TaskFilter = NO_FILTER, after_task: int | None = None,
               limit: int | None = None) -> list[TaskRow]:
    """The tasks on the list that pass the filter, by task number (keyset pages for long lists)."""
    require(actor, "viewer", "see the Pre-Collections list")
    PAGE_AFTER.check(after_task, "after")
    LIMIT.check(limit, "limit")
    practice = practice_by_id(uow, practice_id)
    where, params = _filter(uow, practice, filt, as_of)
    if after_task is not None:
        where += " AND t.task_no > :after"
        params["after"] = after_task
    sql = (f"SELECT t.task_no, e.source_id, g.source_id, g.name, e.patient_name, g.kind, {BALANCE_SQL}, "
           f"g.escrow_cents, t.state, t.action, t.state_date, {oldest_anchor_sql(practice.aging_basis)}, "
           f"e.dunning_count, a.source_id, t.batch_no {FROM_TASKS} LEFT JOIN agency a ON a.id = t.agency_id "
           f"WHERE {where} ORDER BY t.task_no" + (f" LIMIT {int(limit)}" if limit else ""))
    rows = []
    for r in uow.session.execute(q(sql, params)):
        since, anchor = as_date(r[10]), as_date(r[11])
        assert since is not None
        rows.append(TaskRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7]), r[8], r[9],
                            since, (as_of - since).days, age_in_days(as_of, anchor),
                            int(r[12]), r[13], r[14]))
    return rows


def totals(uow: UnitOfWork, actor: Actor, practice_id: int) -> dict[str, tuple[int, int]]:
    """Count and dollars per list state (the Collections Management panel's three figures)."""
    require(actor, "viewer", "see the Pre-Collections list")
    rows = uow.session.execute(q(f"SELECT t.state, COUNT(*), COALESCE(SUM({BALANCE_SQL}), 0) {FROM_TASKS} "
                                 "WHERE t.practice_id = :p AND t.on_list GROUP BY t.state", {"p": practice_id}))
    found = {s: (int(n), int(c)) for s, n, c in rows}
    return {s: found.get(s, (0, 0)) for s in ON_LIST_STATES}


# ------------------------------------------------------------------------------------ set action

def set_action(uow: UnitOfWork, actor: Actor, practice_id: int, action: str | None, as_of: dt.date,
               tasks: list[int] | None = None, filt: TaskFilter | None = None,
               exclude: list[int] | tuple[int, ...] = (), versions: dict[int, int] | None = None) -> int:
    """Store `action` (None clears it) on the chosen tasks: given numbers, or all passing a filter
    minus exclusions (Select All). Changes nothing else. Returns how many tasks it set.
    `versions` (task number -> version the operator read) refuses a stale screen as Conflict."""
    require(actor, "collector", "set actions on the Pre-Collections list")
    if action is not None and action not in ACTIONS:
        raise BadInput(f"action: {action!r} is not one of {', '.join(ACTIONS)}", field="action")
    for number in tasks or ():
        NUMBER.check(number, "tasks")
    practice = practice_by_id(uow, practice_id)
    _lock(uow, practice)
    where, params = _selection(uow, practice, as_of, tasks, filt, exclude)
    check_versions(uow, practice, versions, where, params)
    if action is not None:
        problems: list[str] = []
        states = uow.session.execute(q(f"SELECT DISTINCT t.state {FROM_TASKS} WHERE {where}", params))
        for (state,) in sorted(states):
            problems += guard(uow, practice, state, action, where, params)
        refuse_if(problems, f"Set Action {ACTION_LABELS[action]}")
    numbers = _task_numbers(uow, where, params)
    count = _execute(uow, f"""UPDATE precollection_task SET action = :act, action_by = :op, version = version + 1
        WHERE id IN (SELECT t.id {FROM_TASKS} WHERE {where})""", {**params, "act": action, "op": actor.name})
    audit.record(uow, actor.name, "precollections.set_action", "precollection_task", numbers, None,
                 {"action": action, "count": count}, as_of)
    uow.commit()
    return count


def check_versions(uow: UnitOfWork, practice: Practice, versions: dict[int, int] | None, where: str,
                   params: dict[str, Any]) -> None:
    """Conflict "task N was changed by NAME at TIME — reload" when a task the operator acted on
    moved on since they read it. One statement over the given task numbers (under the list lock,
    so nothing can change between this check and the write); nothing is written before it."""
    if not versions:
        return
    stale = uow.session.execute(q(
        f"SELECT t.task_no, t.id, t.version {FROM_TASKS} WHERE {where} AND t.task_no IN :vnums "
        "ORDER BY t.task_no", {**params, "vnums": sorted(versions)})).all()
    changed = [(int(n), int(i)) for n, i, v in stale if int(v) != versions[int(n)]]
    if not changed:
        return
    task_no, task_id = changed[0]
    who, when = last_change(uow, practice, task_no, task_id)
    more = f" (and {len(changed) - 1} more of the tasks you acted on)" if len(changed) > 1 else ""
    raise Conflict(f"task {task_no} was changed by {who} at {when}{more} — reload")


def last_change(uow: UnitOfWork, practice: Practice, task_no: int, task_id: int) -> tuple[str, str]:
    """Who changed a task last, and when: the newer of its latest history row (a state change)
    and its latest audit entry (a Set Action names the task numbers it set)."""
    found: list[tuple[Any, str]] = []
    h = uow.session.execute(q("SELECT at, operator FROM precollection_history WHERE task_id = :t "
                              "ORDER BY id DESC LIMIT 1", {"t": task_id})).first()
    if h is not None:
        found.append((h[0], h[1]))
    a = uow.session.execute(q("SELECT at, operator FROM audit_entry WHERE entity = 'precollection_task' "
                              "AND action LIKE 'precollections.%' AND record_ids LIKE :pat "
                              "ORDER BY id DESC LIMIT 1", {"pat": f'%"{task_no}"%'})).first()
    if a is not None:
        found.append((a[0], a[1]))
    if not found:
        return "another operator", "an earlier time"
    at, who = max(found, key=lambda f: str(f[0]))
    return who, str(at)[:16]


def _selection(uow: UnitOfWork, practice: Practice, as_of: dt.date, tasks: list[int] | None,
               filt: TaskFilter | None, exclude: list[int] | tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    if tasks is not None:
        if not tasks:
            raise BadInput("tasks: no task numbers given", field="tasks")
        where, params = "t.practice_id = :p AND t.on_list AND t.task_no IN :nums", {"p": practice.id, "nums": tasks}
        found = {n for (n,) in uow.session.execute(q(f"SELECT t.task_no {FROM_TASKS} WHERE {where}", params))}
        missing = sorted(set(tasks) - found)
        if missing:
            raise BadInput(f"tasks: task {missing[0]} is not on the Pre-Collections list", field="tasks")
        return where, params
    if filt is None:
        raise BadInput("tasks: give task numbers or a filter", field="tasks")
    where, params = _filter(uow, practice, filt, as_of)
    if exclude:
        where += " AND t.task_no NOT IN :excluded"
        params["excluded"] = list(exclude)
    return where, params


# ----------------------------------------------------------------------------------------- apply

@dataclass
class ApplyResult:
    run_id: int | None = None
    journal_id: int | None = None
    batch_no: int | None = None
    lines: list[SummaryLine] = field(default_factory=list)
    file: AgencyFile | None = None

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)


def apply(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, action: str | None = None,
          agency: str | None = None, out_dir: Path | None = None, confirmed: bool = False,
          versions: dict[int, int] | None = None) -> ApplyResult:
    """Apply Action: every task on the list with the action set (or any action, with None),
    whether selected or displayed or not. Warns first; then all of it in one transaction, or none
    of it if any task's state no longer allows its action. `versions` (task number -> version
    the operator read, for the tasks they saw) refuses the whole apply as Conflict when another
    operator changed one of them since — the warning they would confirm is no longer true."""
    require(actor, "collector", "apply actions")
    anchors.after_batch(uow)
    if action is not None and action not in ACTIONS:
        raise BadInput(f"action: {action!r} is not one of {', '.join(ACTIONS)}", field="action")
    practice = practice_by_id(uow, practice_id)
    _lock(uow, practice)
    where = "t.practice_id = :p AND t.on_list AND t.action IS NOT NULL" + (" AND t.action = :only" if action else "")
    params: dict[str, Any] = {"p": practice.id, "only": action}
    check_versions(uow, practice, versions, "t.practice_id = :p", {"p": practice.id})
    groups = group_totals(uow, where, params)
    if not groups:
        return ApplyResult()
    agency_row = _agency_for(uow, practice, groups, where, params, agency)
    placing = None if agency_row is None else Placing(eligibility.rules_for(uow, practice, as_of), saved_id(agency_row))
    problems: list[str] = []
    for state, act, _n, _c in groups:
        problems += guard(uow, practice, state, act, f"{where} AND t.action = :g_action",
                          {**params, "g_action": act}, stale_hint=True, placing=placing)
    refuse_if(problems, "Apply Action")
    for state, act, _n, _c in groups:
        tr = TRANSITIONS[(state, act)]
        require(actor, tr.role, f"apply {ACTION_LABELS[act]}")
    if any(TRANSITIONS[(s, a)].needs_agency for s, a, _n, _c in groups) and out_dir is None:
        raise BadInput("out: Send to Sent to Agency writes the agency's spreadsheet: give a folder", field="out")
    summary = _summary("Apply Action", groups, agency_row)
    if agency_row is not None and out_dir is not None:
        summary.notes += baa.note(agency_row)
    if not confirmed:
        raise NeedsConfirmation(summary)
    return _apply_groups(uow, actor, practice, as_of, groups, where, params, agency_row, out_dir, summary)


def _agency_for(uow: UnitOfWork, practice: Practice, groups: list[tuple[str, str, int, int]], where: str,
                params: dict[str, Any], agency: str | None) -> Any:
    """The agency of this apply: the one given, else the one the sent tasks already share."""
    if agency is not None:
        return agency_files.find_agency(uow, saved_id(practice), agency)
    if not any(tr.needs_agency for s, a, _n, _c in groups if (tr := TRANSITIONS.get((s, a))) is not None):
        return None  # (a group the table does not allow is refused by the guard, after this)
    ids = {r[0] for r in uow.session.execute(q(
        f"SELECT DISTINCT t.agency_id {FROM_TASKS} WHERE {where} AND t.action = 'send-to-agency'", params))}
    if len(ids) != 1 or None in ids:
        raise BadInput("agency: Send to Sent to Agency needs one agency: give --agency", field="agency")
    from core.models.agencies import Agency
    return uow.session.get(Agency, ids.pop())


def _summary(title: str, groups: list[tuple[str, str, int, int]], agency: Any) -> Summary:
    summary = Summary(title)
    for state, act, n, cents in groups:
        tr = TRANSITIONS[(state, act)]
        text = tr.warning + (f" {agency.name} ({agency.source_id})" if tr.needs_agency and agency else "")
        summary.lines.append(SummaryLine(n, cents, text))
        if tr.note and tr.note not in summary.notes:
            summary.notes.append(f"{STATE_LABELS[state]}: {tr.note}")
    return summary


def _apply_groups(uow: UnitOfWork, actor: Actor, practice: Practice, as_of: dt.date,
                  groups: list[tuple[str, str, int, int]], where: str, params: dict[str, Any],
                  agency: Any, out_dir: Path | None, summary: Summary) -> ApplyResult:
    run = _run(uow, practice, "apply", actor, as_of)
    money = any(TRANSITIONS[(s, a)].ledger for s, a, _n, _c in groups)
    journal = ledger.open_journal(uow, "precollections.apply", actor.name, as_of, practice.id) if money else None
    sending = any(TRANSITIONS[(s, a)].needs_agency for s, a, _n, _c in groups)
    m = Move(practice, actor.name, as_of, uow.now(), run.id, journal,  # type: ignore[arg-type]
             agency.id if agency else None, _next_batch(uow, practice) if sending else None)
    result = ApplyResult(run.id, journal.id if journal else None, m.batch_no)
    for state, act, n, cents in groups:
        tr = TRANSITIONS[(state, act)]
        sel = f"{where} AND t.action = :g_action"
        p = {**params, "g_action": act}
        numbers = _task_numbers(uow, f"{sel} AND t.state = :g_state", {**p, "g_state": state})
        moved = move(uow, m, tr, sel, p)
        if moved != n:  # cannot happen under the list lock; refuse rather than half-apply
            raise Refused(f"Apply Action refused: {counted(n, 'task')} {agree(n, 'was', 'were')} to change, "
                          f"{moved} did; nothing was changed")
        result.lines.append(SummaryLine(n, cents, tr.warning))
        audit.record(uow, actor.name, f"precollections.{act}", "precollection_task", numbers,
                     {"state": state, "action": act},
                     {"state": tr.target, "count": n, "dollars": format_plain(cents), "run": run.id,
                      "journal": m.journal.id if m.journal else None, "batch": m.batch_no if tr.needs_agency else None,
                      "agency": agency.source_id if agency and (tr.needs_agency or tr.target == "not_sent") else None},
                     as_of)
    _finish(uow, run, journal, summary)
    if sending:
        assert out_dir is not None
        result.file = agency_files.export(uow, actor, practice, agency, "t.run_id = :run AND t.state = 'sent' AND "
                                   "t.batch_no = :batch", {"run": run.id, "batch": m.batch_no}, out_dir, as_of,
                                   run.id, m.batch_no)
    _commit_or_remove(uow, result.file)
    return result


def _finish(uow: UnitOfWork, run: PrecollectionRun, journal: Any, summary: Summary) -> None:
    if journal is not None:
        ledger.close_journal(uow, journal)
        run.journal_id = journal.id
    run.summary = json.dumps([{"count": ln.count, "dollars": format_plain(ln.cents or 0), "text": ln.text}
                              for ln in summary.lines])
    uow.session.add(run)


def _commit_or_remove(uow: UnitOfWork, written: AgencyFile | None) -> None:
    """Commit; if the commit fails, the file it would have recorded must not survive it."""
    try:
        uow.commit()
    except BaseException:
        if written is not None:
            Path(written.path).unlink(missing_ok=True)
        raise


def _next_batch(uow: UnitOfWork, practice: Practice) -> int:
    """Batch numbers count up per practice; history keeps every one ever used."""
    last = uow.session.execute(q("SELECT COALESCE(MAX(batch_no), 0) FROM precollection_history "
                                 "WHERE practice_id = :p", {"p": practice.id})).scalar_one()
    return int(last) + 1


# -------------------------------------------------------------------- dashboards: To Collections

def send_to_collections(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, *,
                        encounter: str | None = None, guarantor: str | None = None,
                        confirmed: bool = False) -> ApplyResult:
    """The Encounter dashboard's To Collections (one encounter) and the Patient dashboard's Send
    to Collections (all the guarantor's open encounters): on the list if not yet, then straight to
    In Collections/Not Sent, through the same transition, guards and warning as Apply Action."""
    require(actor, "supervisor", "send encounters to collections")
    if (encounter is None) == (guarantor is None):
        raise BadInput("encounter: give an encounter or a guarantor", field="encounter")
    practice = practice_by_id(uow, practice_id)
    _lock(uow, practice)
    g = _guarantor(uow, practice, guarantor) if guarantor else None
    e = _encounter(uow, practice, encounter) if encounter else None
    kind = (g or uow.session.get(Guarantor, e.guarantor_id)).kind  # type: ignore[union-attr]
    if kind == "employer":
        raise Refused("employers go to collections only through the Pre-Collections list")
    match, params = matching_sql(Criteria(encounter=encounter, guarantor=guarantor), practice.aging_basis,
                                 as_of, {"encounter": e.id if e else None, "guarantor": g.id if g else None},
                                 "patient", eligibility.rules_for(uow, practice, as_of))
    params["p"] = practice.id
    n, cents = _match_totals(uow, match, params)
    if n == 0:
        what = f"encounter {encounter}" if encounter else f"guarantor {guarantor}"
        raise Refused(f"{what}: nothing to send: no encounter with a guarantor balance in A/R that is "
                      "not already in collections")
    where = f"t.practice_id = :p AND t.on_list AND t.encounter_id IN (SELECT e.id {match})"
    tr = TRANSITIONS[("pre", "send-to-collections")]
    on_list_elsewhere = _count(uow, f"{where} AND t.state <> 'pre'", params)
    if on_list_elsewhere:
        raise Refused(f"{on_list_elsewhere} of these encounters {agree(on_list_elsewhere, 'is', 'are')} "
                          "already in collections")
    summary = Summary("Send to Collections", [SummaryLine(n, cents, tr.warning)])
    if not confirmed:
        raise NeedsConfirmation(summary)
    run = _run(uow, practice, "send", actor, as_of)
    p = {**params, "run": run.id, "d": as_of, "at": uow.now(), "op": actor.name}
    _return_matched(uow, f"SELECT e.id, e.guarantor_id {match}", p)
    _insert_new(uow, practice, f"SELECT e.id, e.guarantor_id {match}", p)
    refuse_if(guard(uow, practice, "pre", tr.action, where, params), "Send to Collections")
    journal = ledger.open_journal(uow, "precollections.send", actor.name, as_of, practice.id)
    numbers = _task_numbers(uow, where, params)
    moved = move(uow, Move(practice, actor.name, as_of, p["at"], run.id, journal), tr,  # type: ignore[arg-type]
                 where, params)
    audit.record(uow, actor.name, "precollections.send-to-collections", "precollection_task", numbers,
                 {"state": "pre"}, {"state": tr.target, "count": moved, "dollars": format_plain(cents),
                                    "run": run.id, "journal": journal.id,
                                    "from": "encounter " + encounter if encounter else "guarantor " + str(guarantor)},
                 as_of)
    _finish(uow, run, journal, summary)
    uow.commit()
    return ApplyResult(run.id, journal.id, None, [SummaryLine(moved, cents, tr.warning)])


def _match_totals(uow: UnitOfWork, match: str, params: dict[str, Any]) -> tuple[int, int]:
    n, cents = uow.session.execute(q(f"SELECT COUNT(*), COALESCE(SUM(e.ar_cents), 0) {match}", params)).one()
    return int(n), int(cents)


# ------------------------------------------------------------------------------------ spreadsheet

def create_spreadsheet(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, as_of: dt.date,
                       out_dir: Path, update_as_sent: bool = False, confirmed: bool = False) -> ApplyResult:
    """The Not Sent items of an agency (and those with no agency yet) in the agency's file.

    With "update records as Sent" they move to In Collections/Sent with one batch number, stamped
    with the date and time, through the Send to Sent to Agency transition; that needs confirmation.
    """
    require(actor, "supervisor", "create agency spreadsheets")
    practice = practice_by_id(uow, practice_id)
    _lock(uow, practice)
    refuse_earlier("Create Spreadsheet", as_of, latest_run(uow, practice, "spreadsheet"),
                   f"practice {practice.source_id}")
    ag = agency_files.find_agency(uow, saved_id(practice), agency)
    assert ag is not None
    every = "t.practice_id = :p AND t.on_list AND t.state = 'not_sent' AND (t.agency_id = :ag OR t.agency_id IS NULL)"
    # SPEC 14 and 15.5: only what may go to this agency on the business date is written (and moved);
    # the rest stays Not Sent and the file's tally says why.
    placing = Placing(eligibility.rules_for(uow, practice, as_of), saved_id(ag))
    where = " AND ".join([every, *placing.allowed(of_encounter("e"))])
    params: dict[str, Any] = {"p": practice.id, "ag": ag.id, **placing.rules.params()}
    n, cents = _count_and_dollars(uow, where, params)
    if n == 0:
        kept = _count_and_dollars(uow, every, params)[0]
        why = f" ({counted(kept, 'item')} may not go to it on {as_of}: see `recoup explain`)" if kept else ""
        raise BadInput(f"agency: no In Collections/Not Sent items for agency {agency}{why}", field="agency")
    tr = TRANSITIONS[("not_sent", "send-to-agency")]
    # Without "update records as Sent" nothing is sent: the items are only written to the file.
    what = tr.warning if update_as_sent else "will be written to the spreadsheet, still Not Sent, for"
    summary = Summary("Create spreadsheet", [SummaryLine(n, cents, f"{what} {ag.name} ({ag.source_id})")],
                      baa.note(ag))
    if (update_as_sent or baa.missing(ag)) and not confirmed:
        raise NeedsConfirmation(summary)
    run = _run(uow, practice, "spreadsheet", actor, as_of)
    result = ApplyResult(run.id)
    file_where, file_params = where, params
    if update_as_sent:
        m = Move(practice, actor.name, as_of, uow.now(), run.id, None, ag.id, _next_batch(uow, practice))  # type: ignore[arg-type]
        refuse_if(guard(uow, practice, "not_sent", tr.action, where, params), "Update records as Sent")
        numbers = _task_numbers(uow, where, params)
        moved = move(uow, m, tr, where, params)
        result.batch_no = m.batch_no
        audit.record(uow, actor.name, "precollections.send-to-agency", "precollection_task", numbers,
                     {"state": "not_sent"}, {"state": "sent", "count": moved, "dollars": format_plain(cents),
                                             "run": run.id, "batch": m.batch_no, "agency": ag.source_id}, as_of)
        file_where = "t.run_id = :run AND t.state = 'sent' AND t.batch_no = :batch"
        file_params = {"run": run.id, "batch": m.batch_no}
    result.lines = list(summary.lines)
    _finish(uow, run, None, summary)
    # the tally asks which reason only of the items the guard kept out, found with the guard's own
    # sets: the reasons ORed asked each of 50,000 items (0.7 s of a 2.6 s file on PostgreSQL)
    allowed = " AND ".join(placing.allowed(of_encounter("e"))) or "TRUE"
    left_out = (f"SELECT e.guarantor_id, e.id AS encounter_id, e.ar_cents + e.collections_cents AS cents "
                f"{FROM_TASKS} WHERE {every} AND NOT ({allowed})", params, placing.reasons(tallies.CANDIDATE),
                "1 = 1")
    result.file = agency_files.export(uow, actor, practice, ag, file_where, file_params, out_dir, as_of, run.id,
                                      result.batch_no, left_out=left_out)
    _commit_or_remove(uow, result.file)
    return result


# ---------------------------------------------------------------------------------------- explain

@dataclass
class Explanation:
    encounter: str
    task: int | None
    state: str | None
    on_list: bool
    built: dt.date | None  # business date of the last list build (None: never built)
    checks: list[Check]
    money: set[str] = field(default_factory=set)  # criteria whose values are cents

    @property
    def qualifies(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def verdict(self) -> str:
        if self.on_list:
            return f"on the list as task {self.task} ({STATE_LABELS[self.state or 'pre']})"
        was = f" (task {self.task} is {STATE_LABELS[self.state or '']})" if self.task else ""
        fits = "meets" if self.qualifies else "does not meet"
        return f"not on the list{was}; it {fits} the criteria of the last build"


MONEY_CHECKS = {"encounter balance in A/R (guarantor responsibility) > 0",
                "not already in collections (collections balance = 0)",
                "guarantor balance >=", "guarantor balance <=", "encounter balance >=", "encounter balance <="}


def explain(uow: UnitOfWork, actor: Actor, practice_id: int, encounter: str, as_of: dt.date) -> Explanation:
    """Why an encounter is or is not on the list: each criterion of the last build, actual vs threshold."""
    require(actor, "viewer", "see the Pre-Collections list")
    practice = practice_by_id(uow, practice_id)
    enc = _encounter(uow, practice, encounter)
    return _explain_one(uow, practice, enc, as_of, *_last_build(uow, practice),
                        eligibility.rules_for(uow, practice, as_of))


def _last_build(uow: UnitOfWork, practice: Practice) -> tuple[PrecollectionRun | None, Criteria | None]:
    build = uow.session.exec(select(PrecollectionRun).where(
        PrecollectionRun.practice_id == practice.id, PrecollectionRun.kind == "build")
        .order_by(col(PrecollectionRun.id).desc()).limit(1)).first()
    return build, Criteria(**json.loads(build.criteria or "{}")["criteria"]) if build else None


def _explain_one(uow: UnitOfWork, practice: Practice, enc: Encounter, as_of: dt.date, build: PrecollectionRun | None,
                 criteria: Criteria | None, rules: eligibility.Rules) -> Explanation:
    """The encounter's facts against the build's criteria; its age counts held days as the build does."""
    return _explain_many(uow, practice, [saved_id(enc)], as_of, build, criteria, rules)[0]


def _explain_many(uow: UnitOfWork, practice: Practice, encounter_ids: list[int], as_of: dt.date,
                  build: PrecollectionRun | None, criteria: Criteria | None,
                  rules: eligibility.Rules) -> list[Explanation]:
    """`_explain_one` for several encounters (in id order) in one statement: an explain of a
    guarantor asks about each of its encounters, and a statement per encounter cost more than the
    rest of the explanation."""
    if not encounter_ids:
        return []
    rows = uow.session.execute(q(f"""
        SELECT e.source_id, e.ar_cents, e.collections_cents, e.dunning_count, e.statement_profile,
               g.kind, g.ar_cents, g.source_id, {oldest_anchor_sql(practice.aging_basis, rules)},
               t.task_no, t.state, t.on_list
        FROM encounter e JOIN guarantor g ON g.id = e.guarantor_id
        LEFT JOIN precollection_task t ON t.encounter_id = e.id
        WHERE e.id IN :ids ORDER BY e.id""", {"ids": sorted(encounter_ids), **rules.params()})).all()
    kind = criteria.balance_for if criteria and criteria.balance_for else _default_kind(practice)
    found = []
    for row in rows:
        facts = {"encounter": row[0], "ar": int(row[1]), "collections": int(row[2]), "dunning": int(row[3]),
                 "statement_profile": row[4], "kind": row[5], "guarantor_ar": int(row[6]), "guarantor": row[7],
                 "oldest_anchor": as_date(row[8])}
        task = None if row[9] is None else (int(row[9]), row[10], bool(row[11]))
        found.append(Explanation(facts["encounter"], task[0] if task else None, task[1] if task else None,
                                 task[2] if task else False, build.business_date if build else None,
                                 explain_checks(criteria, facts, kind, as_of), MONEY_CHECKS))
    return found


# the code each criterion reports under in `recoup explain` (SPEC 14's codes where one fits)
CHECK_CODES = {"encounter balance in A/R (guarantor responsibility) > 0": "no_balance",
               "not already in collections (collections balance = 0)": "in_collections",
               "collections balance for": "balance_for",
               "guarantor balance >=": "below_minimum", "guarantor balance <=": "above_maximum",
               "encounter balance >=": "below_minimum", "encounter balance <=": "above_maximum",
               "balance age (days) >=": "too_young", "dunning (message count) >=": "dunning",
               "statement profile =": "statement_profile", "encounter =": "not_selected",
               "guarantor =": "not_selected"}


def explain_reasons(uow: UnitOfWork, target: Target) -> Verdict:
    """Pre-Collections' verdict for `recoup explain`: the kernel's reasons, then, for each encounter
    the kernel leaves it, the last build's criteria (core.explain). It may be taken when one such
    encounter meets them and is not on the list already."""
    practice = target.practice
    build, criteria = _last_build(uow, practice)
    free = {ln.encounter_id for ln in target.free_lines("precollections")}
    if target.encounter is not None and target.encounter.id not in {ln.encounter_id for ln in target.lines}:
        free.add(saved_id(target.encounter))  # no open line: its criteria say why
    own: list[Reason] = []
    takeable, notes = False, []
    for x in _explain_many(uow, practice, sorted(free), target.as_of, build, criteria, target.rules):
        subject = None if target.encounter is not None else x.encounter
        own += [Reason(CHECK_CODES.get(c.criterion, "criterion"), c.criterion, c.actual, c.threshold, c.passed,
                       money=c.criterion in MONEY_CHECKS, subject=subject) for c in x.checks]
        takeable = takeable or (x.qualifies and not x.on_list)
        if x.on_list or target.encounter is not None:
            notes.append(f"{x.encounter}: {x.verdict}" if subject else x.verdict)
    if build is None:
        notes.append("the list was never built: only the fixed rules are checked")
    else:
        notes.append(f"criteria of the last build ({build.business_date})")
    return verdict(target, "precollections", own, "; ".join(notes), takeable)


def _default_kind(practice: Practice) -> str:
    return "employer" if practice.employer_collections else "patient"


def transitions_for(state: str) -> list[tuple[str, str]]:
    """(action, label) pairs an operator may set in this state, for menus."""
    return [(a, ACTION_LABELS[a]) for a in ACTIONS if transition(state, a)]
