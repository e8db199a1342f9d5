"""guarantor sort indexes: (practice_id, balance, id) for each balance the guarantor list sorts by

Revision ID: 0010_guarantor_sort
Revises: 0008
Written by hand. The list reads a page as "ORDER BY <balance>, id LIMIT 100" after a keyset
position. Without an index in that order, sorting the largest practice of the large demo (180,000
guarantors) by insurance A/R, collections or escrow read and sorted every guarantor of the
practice for each page (0.3 to 1.2 s); with these a page is an index range (under a millisecond,
as the name and A/R sorts already were). The A/R index replaces ix_guarantor_practice_ar, which is
its prefix (on PostgreSQL the old one could not give the id order). Declared on the model too
(Guarantor). SQLite: when the database has planner statistics, the new indexes get theirs at once
(as 0009 does); else the planner takes an index it knows nothing of as the most selective for
"practice_id = ?" and sorts the name and id sorts in a temporary tree (0.5 ms -> 150 ms a page).
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_guarantor_sort"
down_revision = "0008"
branch_labels = None
depends_on = None

BALANCES = ("ar", "ins_ar", "collections", "escrow")


def upgrade() -> None:
    for balance in BALANCES:
        op.create_index(f"ix_guarantor_sort_{balance}", "guarantor", ["practice_id", f"{balance}_cents", "id"])
    op.drop_index("ix_guarantor_practice_ar", table_name="guarantor")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        bind.execute(sa.text("PRAGMA analysis_limit = 1000"))  # a sample, as `recoup demo` does
        for balance in BALANCES:
            bind.execute(sa.text(f"ANALYZE ix_guarantor_sort_{balance}"))


def downgrade() -> None:
    op.create_index("ix_guarantor_practice_ar", "guarantor", ["practice_id", "ar_cents"])
    for balance in reversed(BALANCES):
        op.drop_index(f"ix_guarantor_sort_{balance}", table_name="guarantor")
