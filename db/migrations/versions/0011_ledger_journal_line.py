"""ledger journal index: (journal_id, line_id) in place of (journal_id)

Revision ID: 0011
Revises: 0008
Written by hand. Closing a journal adds its transactions to the line caches grouped by line; with
the journal's rows already in line order in this index the grouping needs no sort (on 200,000
transactions a third of the line refresh). The new index answers every lookup by journal the
old one did. Declared on the model too (LedgerTxn).
"""
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_txn_journal_line", "ledger_txn", ["journal_id", "line_id"])
    op.drop_index("ix_ledger_txn_journal_id", table_name="ledger_txn")


def downgrade() -> None:
    op.create_index("ix_ledger_txn_journal_id", "ledger_txn", ["journal_id"])
    op.drop_index("ix_ledger_txn_journal_line", table_name="ledger_txn")
