"""guarantor changes: the append-only history of address and returned-mail changes (SPEC 16 update file)

Revision ID: 0022_exchange2
Revises: 0022_letters2
Written by hand to match core/models/exchange.py (GuarantorChange). Append-only like the other
history tables: a trigger refuses every UPDATE and DELETE, on SQLite and PostgreSQL alike.
"""
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0022_exchange2"
down_revision = "0022_letters2"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "guarantor_change"
PREFIX = "append_only_"


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{TABLE}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", sa.BigInteger(), nullable=False),
        sa.Column("guarantor_id", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("address1", sa.String(length=120), nullable=True),
        sa.Column("address2", sa.String(length=120), nullable=True),
        sa.Column("city", sa.String(length=60), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("zip", sa.String(length=12), nullable=True),
        sa.Column("returned_mail", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        _fk("practice_id", "practice"), _fk("guarantor_id", "guarantor"),
        sa.CheckConstraint("(change = 'address' OR change = 'returned_mail')", name=op.f(f"ck_{TABLE}_change_values")),
        sa.CheckConstraint("(source = 'import' OR source = 'edit')", name=op.f(f"ck_{TABLE}_source_values")),
    )
    op.create_index("ix_guarantor_change_practice", TABLE, ["practice_id", "business_date"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for kind, verb in (("update", "changed"), ("delete", "deleted")):
        body = ("EXECUTE FUNCTION recoup_refuse_change()" if postgres else
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: its rows cannot be {verb}'); END")
        op.execute(f"CREATE TRIGGER {PREFIX}{TABLE}_{kind} BEFORE {kind.upper()} ON {TABLE} FOR EACH ROW {body}")
    if postgres:  # TRUNCATE fires no row trigger (migration 0017)
        op.execute(f"CREATE TRIGGER {PREFIX}{TABLE}_truncate BEFORE TRUNCATE ON {TABLE} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION recoup_refuse_change()")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for kind in ("update", "delete", "truncate") if postgres else ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {PREFIX}{TABLE}_{kind}" + (f" ON {TABLE}" if postgres else ""))
    op.drop_index("ix_guarantor_change_practice", table_name=TABLE)
    op.drop_table(TABLE)
