"""keyed audit chain: entries carry their key id and what they cover; PostgreSQL refuses TRUNCATE

Revision ID: 0017
Revises: 0016
Written by hand to match core/models/audit.py (SPEC 17). Two nullable columns on audit_entry:
key_id (the key that signed the entry; NULL for entries written before the chain was keyed, which
keep their plain hashes) and covers (the rows of the append-only tables the entry vouches for,
core.audit_cover). The existing chain is sealed by its first keyed entry, written by `recoup init`
or the first change after the upgrade: the key lives outside the database, so no migration can.

PostgreSQL: TRUNCATE fires no row trigger, so every append-only table also gets a BEFORE TRUNCATE
statement trigger; and a journal's control totals may be written only by the transaction that
opened it (the row's xmin is this transaction), so a journal forged at 0 / 0.00 cannot be "closed"
later. SQLite cannot tell transactions apart; there `recoup verify` catches such a journal (it is
covered by no audit entry).
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_entry", "precollection_history", "roster_history", "external_history", "ledger_txn",
               "journal", "hold", "hold_release")
PREFIX = "append_only_"


def _postgres_upgrade() -> None:
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {PREFIX}{table}_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION recoup_refuse_change()")
    op.execute("""
        CREATE FUNCTION recoup_refuse_late_close() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF (SELECT j.xmin FROM journal j WHERE j.id = OLD.id) IS DISTINCT FROM pg_current_xact_id()::xid THEN
                RAISE EXCEPTION 'journal is append-only: its control totals are written only when it is opened'
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END $$""")
    op.execute(f"CREATE TRIGGER {PREFIX}journal_close BEFORE UPDATE ON journal FOR EACH ROW "
               "WHEN (NEW.txn_count IS DISTINCT FROM OLD.txn_count OR NEW.total_cents IS DISTINCT FROM OLD.total_cents) "
               "EXECUTE FUNCTION recoup_refuse_late_close()")


def upgrade() -> None:
    op.execute("ALTER TABLE audit_entry ADD COLUMN key_id VARCHAR(16)")
    op.execute("ALTER TABLE audit_entry ADD COLUMN covers TEXT")
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {PREFIX}journal_close ON journal")
        op.execute("DROP FUNCTION IF EXISTS recoup_refuse_late_close()")
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {PREFIX}{table}_truncate ON {table}")
    op.execute("ALTER TABLE audit_entry DROP COLUMN covers")
    op.execute("ALTER TABLE audit_entry DROP COLUMN key_id")
