"""operations: run locks (the batch-run claim and record), sign-in failures and lockout

Revision ID: 0008
Revises: 0006, 0007 (a merge of every head at the time)
Written by hand to match core/models/operations.py (RunLock) and the two sign-in columns of
core/models/security.py (Operator.failed_logins, Operator.locked_until).
"""
from alembic import op
import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0008"
down_revision = ("0006", "0007")
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "run_lock",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('external', 'roster')", name=op.f("ck_run_lock_kind_values")),
        sa.CheckConstraint("outcome IN ('running', 'done', 'failed')", name=op.f("ck_run_lock_outcome_values")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_run_lock_practice_id_practice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_lock")),
        sa.UniqueConstraint("practice_id", "kind", "business_date", name="uq_run_lock_key"),
    )
    with op.batch_alter_table("operator") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
    op.drop_table("run_lock")
