"""append-only: the ledger, the journals, the audit trail and the history tables refuse change

Revision ID: 0007
Revises: 0003, 0004, 0005 (a merge of every head at the time)
Written by hand. Tamper evidence at the database level (SPEC 8): a trigger refuses every DELETE
and every UPDATE of these tables, on SQLite and PostgreSQL alike, so a stray script or a mistaken
hand edit fails loudly instead of silently rewriting history. Only a DBA who drops the triggers
can change them, and `recoup verify` still catches that (journal totals, audit hash chain).

Two legitimate updates stay allowed, narrowly:
- ledger_txn: core/imports frees a superseded transaction's source id and notes why in its memo
  (the reversal and the new version are new rows). Only source_id and memo may change; the money
  and identity columns may not.
- journal: close_journal writes the control totals once, after the transactions are inserted.
  They may change only while they are still 0 / 0.00 (not yet closed); everything else is fixed.
TRUNCATE (PostgreSQL) is not an UPDATE/DELETE and stays a DBA operation (tests use it to reset).
"""
from alembic import op

revision = "0007"
down_revision = ("0003", "0004", "0005")
branch_labels = None
depends_on = None

FULLY_APPEND_ONLY = ("audit_entry", "precollection_history", "roster_history", "external_history")
TXN_FIXED = ("id", "practice_id", "journal_id", "guarantor_id", "line_id", "date", "kind", "source",
             "bucket_from", "bucket_to", "amount_cents", "adjustment_code")
JOURNAL_FIXED = ("id", "practice_id", "kind", "operator", "business_date", "created_at")
TOTALS = ("txn_count", "total_cents")
PREFIX = "append_only_"


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"NEW.{c} {distinct} OLD.{c}" for c in columns)


def _journal_when(distinct: str) -> str:
    closed = "(OLD.txn_count <> 0 OR OLD.total_cents <> 0)"
    return f"{_changed(JOURNAL_FIXED, distinct)} OR ({closed} AND ({_changed(TOTALS, distinct)}))"


def _update_rules(distinct: str) -> list[tuple[str, str | None]]:
    """(table, WHEN condition of a refused UPDATE; None = every UPDATE is refused)."""
    return ([(t, None) for t in FULLY_APPEND_ONLY]
            + [("ledger_txn", _changed(TXN_FIXED, distinct)), ("journal", _journal_when(distinct))])


def _tables() -> list[str]:
    return [*FULLY_APPEND_ONLY, "ledger_txn", "journal"]


def _sqlite_upgrade() -> None:
    for table, when in _update_rules("IS NOT"):
        cond = f" WHEN {when}" if when else ""
        op.execute(f"CREATE TRIGGER {PREFIX}{table}_update BEFORE UPDATE ON {table} FOR EACH ROW{cond} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: its rows cannot be changed'); END")
    for table in _tables():
        op.execute(f"CREATE TRIGGER {PREFIX}{table}_delete BEFORE DELETE ON {table} FOR EACH ROW "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: its rows cannot be deleted'); END")


def _postgres_upgrade() -> None:
    op.execute("""
        CREATE FUNCTION recoup_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: its rows cannot be %', TG_TABLE_NAME,
                CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END
                USING ERRCODE = 'restrict_violation';
        END $$""")
    for table, when in _update_rules("IS DISTINCT FROM"):
        cond = f" WHEN ({when})" if when else ""
        op.execute(f"CREATE TRIGGER {PREFIX}{table}_update BEFORE UPDATE ON {table} FOR EACH ROW{cond} "
                   "EXECUTE FUNCTION recoup_refuse_change()")
    for table in _tables():
        op.execute(f"CREATE TRIGGER {PREFIX}{table}_delete BEFORE DELETE ON {table} FOR EACH ROW "
                   "EXECUTE FUNCTION recoup_refuse_change()")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in _tables():
        for kind in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {PREFIX}{table}_{kind}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS recoup_refuse_change()")
