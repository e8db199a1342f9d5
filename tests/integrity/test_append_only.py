"""Tamper evidence: the ledger, journals, audit trail and history tables refuse UPDATE and DELETE
at the database level (migration 0007), on SQLite and PostgreSQL; the narrow legitimate updates
still work; and `recoup verify` catches what a DBA who drops the triggers does."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core import audit
from core.verify import verify
from tests.integrity.tamper import drop_append_only_triggers, trigger_names
from tests.ledger_data import build_tiny

REFUSED = [
    "UPDATE ledger_txn SET amount_cents = amount_cents + 1",
    "UPDATE ledger_txn SET bucket_to = 'written_off' WHERE kind = 'payment'",
    "UPDATE ledger_txn SET line_id = NULL",
    "UPDATE ledger_txn SET date = date",  # any write of a fixed column to a new value is refused...
    "DELETE FROM ledger_txn",
    "UPDATE journal SET total_cents = total_cents + 1",
    "UPDATE journal SET operator = 'mallory'",
    "DELETE FROM journal",
    "UPDATE audit_entry SET operator = 'mallory'",
    "DELETE FROM audit_entry",
    "UPDATE precollection_history SET amount_cents = 0",
    "DELETE FROM precollection_history",
    "UPDATE roster_history SET operator = 'x'",
    "DELETE FROM roster_history",
    "UPDATE external_history SET operator = 'x'",
    "DELETE FROM external_history",
    "UPDATE role_history SET role = 'support'",
    "DELETE FROM role_history",
]


def _seed(uow) -> None:
    with uow() as u:
        build_tiny(u)
        for i in range(4):
            audit.record(u, "tester", "test.step", "thing", [i], None, {"n": i})
        u.commit()


def test_every_append_only_table_has_its_triggers(engine) -> None:
    with engine.connect() as conn:
        names = {n for n, _t in trigger_names(conn)}
    tables = ("ledger_txn", "journal", "audit_entry", "precollection_history", "roster_history", "external_history",
              "hold", "hold_release", "role_history", "guarantor_change")
    kinds = ("update", "delete", "truncate") if engine.dialect.name == "postgresql" else ("update", "delete")
    expected = {f"append_only_{t}_{k}" for t in tables for k in kinds}
    if engine.dialect.name == "postgresql":
        expected.add("append_only_journal_close")  # migration 0017: totals only by the opening transaction
    assert names == expected


@pytest.mark.parametrize("sql", REFUSED)
def test_tampering_is_refused_by_the_database(engine, uow, admin, sql: str) -> None:
    _seed(uow)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT COUNT(*), SUM(amount_cents) FROM ledger_txn")).one()
        n_audit = conn.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar_one()
    if "history" in sql:  # give the history table a row to refuse changing
        table = sql.split()[1] if sql.startswith("UPDATE") else sql.split()[2]
        if not _has_rows(engine, table):
            pytest.skip(f"{table} has no rows in the tiny ledger; covered by the workflow tests")
    if "SET date = date" in sql:
        sql = "UPDATE ledger_txn SET date = '2001-01-01'"
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*), SUM(amount_cents) FROM ledger_txn")).one() == before
        assert conn.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar_one() == n_audit


def _has_rows(engine, table: str) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_the_legitimate_updates_still_work(engine, uow, admin) -> None:
    """Re-import frees a superseded transaction's source id and notes it in the memo; a journal
    gets its control totals once, while still 0 / 0.00."""
    _seed(uow)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_txn SET source_id = NULL, memo = 'superseded' WHERE kind = 'payment'"))
        jid = conn.execute(text("INSERT INTO journal (kind, operator, business_date, created_at, txn_count, "
                                "total_cents) VALUES ('test', 't', '2026-01-01', '2026-01-01 00:00:00', 0, 0) "
                                "RETURNING id")).scalar_one()
        conn.execute(text("UPDATE journal SET txn_count = 0, total_cents = 0 WHERE id = :j"), {"j": jid})
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE journal SET txn_count = 7 WHERE txn_count > 0"))


def test_verify_catches_a_reordered_audit_trail(engine, uow, admin) -> None:
    """A DBA drops the triggers and swaps two entries' content: the chain names the swap."""
    _seed(uow)
    with engine.begin() as conn:
        assert drop_append_only_triggers(conn) == (20 if conn.dialect.name == "sqlite" else 10 * 3 + 1)
        cols = "at, operator, action, entity, record_ids, before, after, prev_hash, hash"
        a, b = (conn.execute(text(f"SELECT {cols} FROM audit_entry WHERE id = :i"), {"i": i}).one() for i in (3, 4))
        sets = ", ".join(f"{c.strip()} = :{c.strip()}" for c in cols.split(","))
        conn.execute(text(f"UPDATE audit_entry SET {sets} WHERE id = 3"), dict(b._mapping))
        conn.execute(text(f"UPDATE audit_entry SET {sets} WHERE id = 4"), dict(a._mapping))
    with uow(write=False) as u:
        problems = {c.name: c.problems for c in verify(u)}["audit chain"]
    assert problems and problems[0] == "audit entry 3: does not follow the entry before it (deleted or re-ordered)"
