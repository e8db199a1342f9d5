"""Writing a checked plan: one bulk upsert per file, keyed by source id, then the money.

Rows are compared with what the database holds first, so an unchanged row is not written at all
(its version does not move) and the counts say exactly what changed. New and changed rows go
through bulk INSERTs (new rows) and one `INSERT ... ON CONFLICT (practice_id, source_id) DO UPDATE`
per file for the changed ones; an existing row takes only the columns its file carries (and its version moves on).
New rows get their ids from the import on SQLite (it holds the write lock); on PostgreSQL they
are read back (one range scan), for the files that refer to them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from core import anchors, ledger
from core.imports import bulk, postings, snapshot
from core.imports.plan import Item, Plan, TableItems
from core.imports.result import FileCounts, ImportResult
from core.imports.snapshot import ENCOUNTER, GUARANTOR, LINE, PRACTICE, STATEMENT, Snapshot, chunks
from core.models.exchange import GuarantorChange
from core.security import Actor
from core.uow import UnitOfWork

TABLES: dict[str, Table] = {"practice": PRACTICE, "guarantor": GUARANTOR, "encounter": ENCOUNTER,
                            "line": LINE, "statement": STATEMENT}
REF_ENTITY = {"practice_id": "practice", "guarantor_id": "guarantor", "encounter_id": "encounter"}
# Non-null columns the models default in Python only (not in the table definition).
EXTRA_DEFAULTS = {"aging_basis": "patient"}


def apply(uow: UnitOfWork, actor: Actor, plan: Plan, snap: Snapshot, as_of: dt.date) -> ImportResult:
    """Write the plan in dependency order, post its money, return what was done."""
    anchors.after_batch(uow)
    result = ImportResult()
    ids = _ids_from(snap)
    written_lines: list[Item] = []
    for entity, items in plan.tables.items():
        counts, written = _upsert(uow, entity, items, ids)
        result.files[items.file] = counts
        if entity == "line":
            written_lines = written
        if entity == "guarantor":
            _guarantor_changes(uow, actor, as_of, written)
    txn_file, txn_items = plan.txns if plan.txns else ("", [])
    txn_counts = postings.post(uow, actor, as_of, written_lines, txn_items, ids, result)
    if plan.txns:
        result.files[txn_file] = txn_counts
    _refresh_lines(uow, [ids["line"][i.key] for i in written_lines if _responsibility_moved(i)])
    order = [name for name in plan.files if name in result.files]
    result.files = {name: result.files[name] for name in order}
    return result


ADDRESS = ("address1", "address2", "city", "state", "zip")


def _guarantor_changes(uow: UnitOfWork, actor: Actor, as_of: dt.date, written: list[Item]) -> None:
    """The history of what this import changed of guarantors already known: a new address, the
    returned-mail flag set or cleared (core.models.exchange.GuarantorChange; agencies hear of them
    in the update file). Written in the import's transaction, in one statement."""
    rows = []
    now = uow.now()
    for item in written:
        old = item.existing
        if old is None:
            continue
        new = {c: item.row.get(c, old[c]) for c in (*ADDRESS, "returned_mail")}
        base = {"practice_id": old["practice_id"], "guarantor_id": old["id"], "source": "import",
                "operator": actor.name, "business_date": as_of, "created_at": now}
        if any(new[c] != old[c] for c in ADDRESS):
            rows.append({**base, "change": "address", **{c: new[c] for c in ADDRESS}, "returned_mail": None})
        if bool(new["returned_mail"]) != bool(old["returned_mail"]):
            rows.append({**base, "change": "returned_mail", **dict.fromkeys(ADDRESS),
                         "returned_mail": bool(new["returned_mail"])})
    if rows:
        uow.session.execute(insert(GuarantorChange), rows)


def _ids_from(snap: Snapshot) -> dict[str, dict[Any, int]]:
    """Database ids by key, of the rows read and of the rows they point to (a line's guarantor)."""
    ids: dict[str, dict[Any, int]] = {
        "practice": {sid: r["id"] for sid, r in snap.practices.items()},
        "guarantor": {k: r["id"] for k, r in snap.guarantors.items()},
        "encounter": {k: r["id"] for k, r in snap.encounters.items()},
        "line": {k: r["id"] for k, r in snap.lines.items()},
        "statement": {k: r["id"] for k, r in snap.statements.items()}}
    for rows in (snap.encounters, snap.lines, snap.txns, snap.statements):
        for (p, _), r in rows.items():
            ids["guarantor"][(p, r["g_sid"])] = r["guarantor_id"]
    for (p, _), r in snap.txns.items():
        if r["l_sid"] is not None:
            ids["line"][(p, r["l_sid"])] = r["line_id"]
    return ids


def _upsert(uow: UnitOfWork, entity: str, t: TableItems,
            ids: dict[str, dict[Any, int]]) -> tuple[FileCounts, list[Item]]:
    """Insert the new rows and update the changed ones; returns the counts and the rows written."""
    table = TABLES[entity]
    new = [i for i in t.items if i.existing is None]
    changed = [i for i in t.items if i.existing is not None and _differs(i, t, ids)]
    written = new + changed
    counts = FileCounts(len(new), len(changed), len(t.items) - len(written))
    if not written:
        return counts, written
    template = _template(table, entity)
    columns = list(template)
    if new:
        before = snapshot.last_id(uow, table)
        if uow.dialect == "sqlite":
            # The import holds SQLite's write lock, so the ids after the highest are its own to
            # give: the rows go in with them, and nothing is read back.
            new_ids = dict(zip([i.key for i in new], range(before + 1, before + 1 + len(new)), strict=True))
            ids[entity].update(new_ids)
            bulk.insert_many(uow, table, ["id", *columns], (_full_row(template, i, ids, new_ids[i.key]) for i in new))
        else:
            bulk.insert_many(uow, table, columns, (_full_row(template, i, ids) for i in new))
            ids[entity].update(snapshot.ids_after(uow, table, before, [i.key for i in new]))
    if changed:
        conflict = ["source_id"] if table is PRACTICE else ["practice_id", "source_id"]
        bulk.insert_many(uow, table, columns, (_full_row(template, i, ids) for i in changed),
                         conflict, t.update + t.changeable_refs)
    return counts, written


def _differs(item: Item, t: TableItems, ids: dict[str, dict[Any, int]]) -> bool:
    old = item.existing
    assert old is not None
    if any(item.row[c] != old[c] for c in t.update):
        return True
    return any(_ref_id(ids, c, item.refs[c]) != old[c] for c in t.changeable_refs)


def _ref_id(ids: dict[str, dict[Any, int]], column: str, key: Any) -> int | None:
    return None if key is None else ids[REF_ENTITY[column]][key]


def _template(table: Table, entity: str) -> dict[str, Any]:
    """The columns an insert names, with their defaults (executemany needs the same in every row).

    The columns the import carries, plus the non-null ones that have a default in the model;
    any other column is left out, so the database's own default applies.
    """
    carried = set(snapshot.COLUMNS[entity]) | {"source_id"}
    out: dict[str, Any] = {}
    for c in table.c:
        if c.primary_key:
            continue
        if isinstance(c.default, ScalarElementColumnDefault):  # a plain value, not a callable or SQL
            out[c.name] = c.default.arg
        elif c.name in carried:
            out[c.name] = None
        elif c.name in EXTRA_DEFAULTS:
            out[c.name] = EXTRA_DEFAULTS[c.name]
        elif c.name.endswith("_cents") and not c.nullable:
            out[c.name] = 0  # the balance caches start empty; close_journal fills them
    return out


def _full_row(template: dict[str, Any], item: Item, ids: dict[str, dict[Any, int]],
              row_id: int | None = None) -> dict[str, Any]:
    row = dict(template)
    if row_id is not None:
        row["id"] = row_id
    if item.existing is not None:
        row.update({c: item.existing[c] for c in template if c in item.existing})
    row.update(item.row)
    for column, key in item.refs.items():
        row[column] = None if key is None else ids[REF_ENTITY[column]][key]
    return row


def _responsibility_moved(item: Item) -> bool:
    old = item.existing
    return old is not None and item.row.get("responsibility", old["responsibility"]) != old["responsibility"]


def _refresh_lines(uow: UnitOfWork, line_ids: list[int]) -> None:
    """Refresh the caches of lines whose responsibility changed: without any posting, their balance
    moves between guarantor A/R and insurance A/R on their encounter and guarantor."""
    for chunk in chunks(line_ids, 2000):
        listed = ", ".join(str(int(i)) for i in chunk)
        sql = f"SELECT id FROM service_line WHERE id IN ({listed})"
        ledger.refresh_balances(uow, sql, "SELECT guarantor_id FROM service_line WHERE 1 = 0", {})

