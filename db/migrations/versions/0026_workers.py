"""workers: a lease on each batch-run claim, so worker processes on several hosts share the nightly

Revision ID: 0022_workers
Revises: 0022_sec2
Written by hand to match core/models/operations.py (RunLock.lease_until). A claim taken by
`recoup worker` holds a lease: the worker renews it while it works, and a claim still "running"
whose lease has passed may be taken over by another worker (core.runs.claim). Claims taken by an
operator's run (no lease) keep the old rule: taken over only when their process is gone. A plain
ALTER TABLE ... ADD COLUMN (nullable), so a large SQLite file is not rebuilt; the index serves the
"is anything running here" lookups of every claim.
"""
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0022_workers"
down_revision = "0022_sec2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("run_lock", sa.Column("lease_until", UTCDateTime(), nullable=True))
    op.create_index("ix_run_lock_running", "run_lock", ["practice_id", "kind", "outcome"])


def downgrade() -> None:
    op.drop_index("ix_run_lock_running", table_name="run_lock")
    with op.batch_alter_table("run_lock") as batch:
        batch.drop_column("lease_until")
