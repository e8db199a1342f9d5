"""letters: the practice profile on letters, superseded letters (SPEC 15, 18.2)

Revision ID: 0020
Revises: 0019
Written by hand to match core/models/ledger.py (Practice) and core/models/roster.py (LetterQueue).
Plain ALTER TABLE ... ADD COLUMN on both databases, so a large SQLite file is not rebuilt.
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

PRACTICE = (("address1", "VARCHAR(120)"), ("address2", "VARCHAR(120)"), ("city", "VARCHAR(60)"),
            ("state", "VARCHAR(20)"), ("zip", "VARCHAR(12)"), ("phone", "VARCHAR(30)"),
            ("remit_to", "VARCHAR(200)"), ("letter_due_days", "INTEGER NOT NULL DEFAULT 30"))


def upgrade() -> None:
    for name, kind in PRACTICE:
        op.execute(f"ALTER TABLE practice ADD COLUMN {name} {kind}")
    op.execute("ALTER TABLE letter_queue ADD COLUMN superseded_date DATE")


def downgrade() -> None:
    with op.batch_alter_table("letter_queue") as batch:
        batch.drop_column("superseded_date")
    with op.batch_alter_table("practice") as batch:
        for name, _ in reversed(PRACTICE):
            batch.drop_column(name)
