"""letters2: the "missing information" letter of an incomplete financial-assistance application

Revision ID: 0022_letters2
Revises: 0022_compliance2
Written by hand to match core/models/compliance.py (FapLetter): one letter per application,
queued with what is missing, printed by the letters print run.
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_letters2"
down_revision = "0022_compliance2"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_fap_letter_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "fap_letter",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", sa.BigInteger(), nullable=False),
        sa.Column("guarantor_id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("missing", sa.String(length=500), nullable=False),
        sa.Column("queued_date", sa.Date(), nullable=False),
        sa.Column("queued_by", sa.String(length=64), nullable=False),
        sa.Column("printed_date", sa.Date(), nullable=True),
        sa.Column("printed_by", sa.String(length=64), nullable=True),
        sa.Column("respond_by", sa.Date(), nullable=True),
        sa.Column("superseded_date", sa.Date(), nullable=True),
        sa.Column("file_id", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fap_letter")),
        _fk("practice_id", "practice"), _fk("guarantor_id", "guarantor"),
        _fk("application_id", "fap_application"), _fk("file_id", "roster_file"),
        sa.UniqueConstraint("application_id", name="uq_fap_letter_application"),
    )
    op.create_index("ix_fap_letter_practice_printed", "fap_letter", ["practice_id", "printed_date"])


def downgrade() -> None:
    op.drop_table("fap_letter")
