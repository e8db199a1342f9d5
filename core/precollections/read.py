"""Reading the Pre-Collections list for screens: counted, paged by keyset, and per encounter.

The list screen shows hundreds of thousands of tasks, so it never reads them all: it counts the
tasks passing the filter, then reads pages of `limit` rows after (or before) a task number — the
task number is unique per practice and indexed, so every page costs the same wherever it is.
The dashboards read one encounter's (or one guarantor's) tasks and their history from here.
The filter is core.precollections.criteria's, so what is shown is what Select All acts on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.eligibility import age_in_days
from core.practices import practice_by_id
from core.precollections.criteria import BALANCE_SQL, TaskFilter, oldest_anchor_sql
from core.precollections.moves import FROM_TASKS
from core.precollections.states import ACTION_LABELS, STATE_LABELS
from core.precollections.tasks import _filter
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork


@dataclass(frozen=True)
class ListRow:
    """One task as the list screen shows it."""
    task: int
    encounter_id: int
    encounter: str
    guarantor: str
    guarantor_name: str
    kind: str
    balance_cents: int
    escrow_cents: int
    state: str
    action: str | None
    days_in_state: int
    age_days: int | None
    dunning: int
    agency: str | None
    batch_no: int | None
    version: int = 0  # as read: Set Action and Apply send it back, so a stale screen is refused


def count_tasks(uow: UnitOfWork, actor: Actor, practice_id: int, filt: TaskFilter, as_of: dt.date) -> int:
    """How many tasks pass the filter (the list's length)."""
    require(actor, "viewer", "see the Pre-Collections list")
    where, params = _filter(uow, practice_by_id(uow, practice_id), filt, as_of)
    return int(uow.session.execute(q(f"SELECT COUNT(*) {FROM_TASKS} WHERE {where}", params)).scalar_one())


def task_page(uow: UnitOfWork, actor: Actor, practice_id: int, filt: TaskFilter, as_of: dt.date, *,
              after: int | None = None, before: int | None = None, offset: int | None = None,
              limit: int = 100) -> list[ListRow]:
    """One page of the filtered list in task order: after/before a task number (keyset), or by
    offset for a jump (End, a scrollbar drag)."""
    require(actor, "viewer", "see the Pre-Collections list")
    practice = practice_by_id(uow, practice_id)
    where, params = _filter(uow, practice, filt, as_of)
    order = "ASC"
    if after is not None:
        where, params["after"] = where + " AND t.task_no > :after", after
    elif before is not None:
        where, params["before"], order = where + " AND t.task_no < :before", before, "DESC"
    sql = (f"SELECT t.task_no, e.id, e.source_id, g.source_id, g.name, g.kind, {BALANCE_SQL}, g.escrow_cents, "
           f"t.state, t.action, t.state_date, {oldest_anchor_sql(practice.aging_basis)}, e.dunning_count, "
           f"a.source_id, t.batch_no, t.version {FROM_TASKS} LEFT JOIN agency a ON a.id = t.agency_id "
           f"WHERE {where} ORDER BY t.task_no {order} LIMIT {int(limit)}"
           + (f" OFFSET {int(offset)}" if offset and after is None and before is None else ""))
    rows = [_row(r, as_of) for r in uow.session.execute(q(sql, params))]
    return rows[::-1] if order == "DESC" else rows


def _row(r: Any, as_of: dt.date) -> ListRow:
    since, anchor = as_date(r[10]), as_date(r[11])
    return ListRow(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], int(r[6]), int(r[7]), r[8], r[9],
                   (as_of - since).days if since else 0, age_in_days(as_of, anchor),
                   int(r[12]), r[13], r[14], int(r[15]))


def agencies(uow: UnitOfWork, practice_id: int) -> list[tuple[str, str]]:
    """(agency id, name) of the practice's active agencies, for choosing one."""
    return [(r[0], r[1]) for r in uow.session.execute(q(
        "SELECT source_id, name FROM agency WHERE practice_id = :p AND active ORDER BY source_id",
        {"p": practice_id}))]


def set_actions(uow: UnitOfWork, practice_id: int) -> list[tuple[str, int]]:
    """(action, count) of the Set Actions waiting on the list, for the Apply dialog."""
    rows = uow.session.execute(q("SELECT action, COUNT(*) FROM precollection_task WHERE practice_id = :p "
                                 "AND on_list AND action IS NOT NULL GROUP BY action ORDER BY action",
                                 {"p": practice_id}))
    return [(r[0], int(r[1])) for r in rows]


# ------------------------------------------------------------------------------ dashboards

@dataclass(frozen=True)
class TaskState:
    """An encounter's place on the list, for the dashboards."""
    encounter: str
    task: int
    state: str
    on_list: bool
    action: str | None
    state_date: dt.date
    agency: str | None
    batch_no: int | None

    def describe(self) -> str:
        action = f" · action set: {ACTION_LABELS[self.action]}" if self.action else ""
        sent = f" · agency {self.agency}" if self.agency else ""
        batch = f" batch {self.batch_no}" if self.batch_no is not None else ""
        return (f"Pre-Collections task {self.task} (encounter {self.encounter}): "
                f"{STATE_LABELS.get(self.state, self.state)} since {self.state_date.isoformat()}"
                f"{sent}{batch}{action}")


@dataclass(frozen=True)
class HistoryRow:
    date: dt.date
    encounter: str
    task: int
    from_state: str | None
    to_state: str
    action: str | None
    amount_cents: int
    batch_no: int | None
    operator: str

    def describe(self) -> str:
        was = STATE_LABELS.get(self.from_state, self.from_state) if self.from_state else "added"
        why = ACTION_LABELS.get(self.action or "", "list build")
        batch = f" batch {self.batch_no}" if self.batch_no is not None else ""
        return (f"{self.date.isoformat()} task {self.task}: {was} -> "
                f"{STATE_LABELS.get(self.to_state, self.to_state)} ({why}{batch}, {self.operator})")


HISTORY_SHOWN = 50


def collection_state(uow: UnitOfWork, *, encounter_id: int | None = None,
                     guarantor_id: int | None = None) -> tuple[list[TaskState], list[HistoryRow]]:
    """The tasks of one encounter or of one guarantor's encounters, and their history (newest first)."""
    where, params = (("t.encounter_id = :id", {"id": encounter_id}) if encounter_id is not None
                     else ("t.guarantor_id = :id", {"id": guarantor_id}))
    tasks = [TaskState(r[0], int(r[1]), r[2], bool(r[3]), r[4], as_date(r[5]) or dt.date.min, r[6], r[7])
             for r in uow.session.execute(q(
                 f"SELECT e.source_id, t.task_no, t.state, t.on_list, t.action, t.state_date, a.source_id, "
                 f"t.batch_no FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id "
                 f"LEFT JOIN agency a ON a.id = t.agency_id WHERE {where} ORDER BY t.task_no", params))]
    history = [HistoryRow(as_date(r[0]) or dt.date.min, r[1], int(r[2]), r[3], r[4], r[5], int(r[6]), r[7], r[8])
               for r in uow.session.execute(q(
                   f"SELECT h.business_date, e.source_id, t.task_no, h.from_state, h.to_state, h.action, "
                   f"h.amount_cents, h.batch_no, h.operator FROM precollection_history h "
                   f"JOIN precollection_task t ON t.id = h.task_id JOIN encounter e ON e.id = h.encounter_id "
                   f"WHERE {where} ORDER BY h.id DESC LIMIT {HISTORY_SHOWN}", params))]
    return tasks, history
