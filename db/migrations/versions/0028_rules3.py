"""rules3: scratch rows for a Pre-Collections build; the roster's keep the balance before SPEC 14; placed debts by guarantor

Revision ID: 0028_rules3
Revises: 0022_import2
Written by hand to match core/models/roster.py and core/models/compliance.py. A populate reads the
delinquent lines once, summing them with and without SPEC 14's reasons (roster_work.candidate_cents),
so its tally no longer reads every delinquent line of the practice a second time. A Pre-Collections
build matches the encounters once into precollection_work (with whether SPEC 14 keeps each out) and
brings back, adds and tallies from those rows, instead of matching three times; the nightly external
run's selection steps likewise (external_work). The guarantor's
placed debts (explain, letters, the credit-reporting guard) are found by an index, not a scan.
"""
import sqlalchemy as sa
from alembic import op

revision = "0028_rules3"
down_revision = "0022_import2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "precollection_work",
        sa.Column("run_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("encounter_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guarantor_id", sa.BigInteger(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.Column("kept_out", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "encounter_id", name=op.f("pk_precollection_work")),
    )
    op.create_table(
        "external_work",
        sa.Column("run_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("line_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("encounter_id", sa.BigInteger(), nullable=False),
        sa.Column("guarantor_id", sa.BigInteger(), nullable=False),
        sa.Column("agency_id", sa.BigInteger(), nullable=True),
        sa.Column("returned_mail", sa.Boolean(), nullable=False),
        sa.Column("kept_out", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "reason", "line_id", name=op.f("pk_external_work")),
    )
    with op.batch_alter_table("roster_work") as batch:
        batch.add_column(sa.Column("candidate_cents", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_index("ix_placed_debt_guarantor", "placed_debt", ["guarantor_id"])


def downgrade() -> None:
    op.drop_index("ix_placed_debt_guarantor", table_name="placed_debt")
    with op.batch_alter_table("roster_work") as batch:
        batch.drop_column("candidate_cents")
    op.drop_table("precollection_work")
    op.drop_table("external_work")
