"""What the database already holds for the ids an import names: read before anything is written.

Only the rows the files mention are read (chunked `source_id IN (...)` lookups on the unique
(practice_id, source_id) indexes), so importing a hundred rows into a database of a million
encounters reads a hundred rows. Each row comes back with the source ids of the rows it points
to (an encounter with its guarantor's id), because the import reasons in source ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Table, func, select

from core.models.ledger import Encounter, Guarantor, LedgerTxn, Practice, ServiceLine, Statement
from core.uow import UnitOfWork

Key = tuple[str, str]  # (practice source id, record source id)
CHUNK = 5000  # bind parameters per statement: SQLite allows 32766, PostgreSQL 65535

PRACTICE: Table = Practice.__table__  # type: ignore[attr-defined]
GUARANTOR: Table = Guarantor.__table__  # type: ignore[attr-defined]
ENCOUNTER: Table = Encounter.__table__  # type: ignore[attr-defined]
LINE: Table = ServiceLine.__table__  # type: ignore[attr-defined]
TXN: Table = LedgerTxn.__table__  # type: ignore[attr-defined]
STATEMENT: Table = Statement.__table__  # type: ignore[attr-defined]


@dataclass
class Wanted:
    """The source ids each file names, by kind of record."""
    guarantors: set[str] = field(default_factory=set)
    encounters: set[str] = field(default_factory=set)
    lines: set[str] = field(default_factory=set)
    txns: set[str] = field(default_factory=set)
    statements: set[str] = field(default_factory=set)


@dataclass
class Snapshot:
    practices: dict[str, dict[str, Any]]
    guarantors: dict[Key, dict[str, Any]]
    encounters: dict[Key, dict[str, Any]]
    lines: dict[Key, dict[str, Any]]
    txns: dict[Key, dict[str, Any]]
    statements: dict[Key, dict[str, Any]]


# The columns an import compares or needs; reading whole rows would double the time of a large re-import.
_KEYS = ("id", "practice_id", "source_id")
COLUMNS = {
    "practice": ("id", "source_id", "name", "address1", "address2", "city", "state", "zip", "phone", "remit_to"),
    "guarantor": (*_KEYS, "kind", "name", "birth_date", "address1", "address2", "city", "state", "zip",
                  "phone", "billing_group", "returned_mail", "date_of_death", "responsible_party_name",
                  "responsible_party_address", "bankruptcy_filed", "bankruptcy_chapter", "bankruptcy_case",
                  "household_income_cents", "household_size"),
    "encounter": (*_KEYS, "guarantor_id", "patient_name", "dos", "case_id", "statement_profile",
                  "dunning_count", "statements_sent", "insurance_status"),
    "line": (*_KEYS, "encounter_id", "guarantor_id", "dos", "case_id", "procedure_code", "amount_cents",
             "posted_date", "responsibility", "responsibility_date", "billing_group"),
    "txn": (*_KEYS, "guarantor_id", "line_id", "date", "kind", "source", "bucket_from", "bucket_to",
            "amount_cents", "adjustment_code"),
    "statement": (*_KEYS, "guarantor_id", "encounter_id", "date", "dunning_level"),
}


def _cols(table: Table, kind: str) -> list[Any]:
    return [table.c[c] for c in COLUMNS[kind]]


def load(uow: UnitOfWork, wanted: Wanted) -> Snapshot:
    practices = {r["source_id"]: r for r in _rows(uow, select(PRACTICE))}
    sid_of = {r["id"]: sid for sid, r in practices.items()}
    g, e, ln = GUARANTOR.alias("g"), ENCOUNTER.alias("e"), LINE.alias("l")

    def fetch(table: Table, stmt: Select, ids: set[str]) -> dict[Key, dict[str, Any]]:
        return _fetch(uow, table, stmt, ids, sid_of)

    return Snapshot(
        practices=practices,
        guarantors=fetch(GUARANTOR, select(*_cols(GUARANTOR, "guarantor")), wanted.guarantors),
        encounters=fetch(ENCOUNTER, select(*_cols(ENCOUNTER, "encounter"), g.c.source_id.label("g_sid"))
                         .join(g, g.c.id == ENCOUNTER.c.guarantor_id), wanted.encounters),
        lines=fetch(LINE, select(*_cols(LINE, "line"), e.c.source_id.label("e_sid"),
                                 g.c.source_id.label("g_sid"))
                    .join(e, e.c.id == LINE.c.encounter_id).join(g, g.c.id == LINE.c.guarantor_id),
                    wanted.lines),
        txns=fetch(TXN, select(*_cols(TXN, "txn"), g.c.source_id.label("g_sid"), ln.c.source_id.label("l_sid"))
                   .join(g, g.c.id == TXN.c.guarantor_id).outerjoin(ln, ln.c.id == TXN.c.line_id),
                   wanted.txns),
        statements=fetch(STATEMENT, select(*_cols(STATEMENT, "statement"), g.c.source_id.label("g_sid"),
                                           e.c.source_id.label("e_sid"))
                         .join(g, g.c.id == STATEMENT.c.guarantor_id)
                         .outerjoin(e, e.c.id == STATEMENT.c.encounter_id), wanted.statements),
    )


def _rows(uow: UnitOfWork, stmt: Select) -> list[dict[str, Any]]:
    result = uow.session.connection().execute(stmt)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _fetch(uow: UnitOfWork, table: Table, stmt: Select, ids: set[str],
           sid_of: dict[int, str]) -> dict[Key, dict[str, Any]]:
    """Rows of `table` with these source ids in any practice, keyed by (practice sid, source id)."""
    found: dict[Key, dict[str, Any]] = {}
    if not ids or not sid_of:
        return found
    practice_ids = sorted(sid_of)
    for chunk in chunks(sorted(ids)):
        query = stmt.where(table.c.practice_id.in_(practice_ids), table.c.source_id.in_(chunk))
        for row in _rows(uow, query):
            found[(sid_of[row["practice_id"]], row["source_id"])] = row
    return found


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Split a long id list for statements whose bind parameters are limited in number."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def last_id(uow: UnitOfWork, table: Table) -> int:
    """The highest id in `table` now: rows inserted after this get higher ids (rowid / sequence)."""
    return int(uow.session.connection().execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())


def ids_after(uow: UnitOfWork, table: Table, after: int, keys: list[Any]) -> dict[Any, int]:
    """The ids of the rows with these keys inserted since `last_id` said `after` (one range scan,
    not a lookup per key); a practice's key is its source id."""
    practices = {r["id"]: r["source_id"] for r in _rows(uow, select(PRACTICE.c.id, PRACTICE.c.source_id))}
    if table is PRACTICE:
        found = {sid: pid for pid, sid in practices.items() if pid > after}
    else:
        stmt = select(table.c.id, table.c.practice_id, table.c.source_id).where(table.c.id > after)
        rows = uow.session.connection().execute(stmt).all()
        found = {(practices[pid], sid): rid for rid, pid, sid in rows}
    return {key: found[key] for key in keys}
