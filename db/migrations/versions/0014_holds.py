"""holds: pauses on collecting a guarantor or an encounter (SPEC 14), append-only with releases

Revision ID: 0014
Revises: 0013
Written by hand to match core/models/holds.py. Both tables refuse UPDATE and DELETE through the
same append-only triggers as migration 0007: a hold ends by a release record, never by an edit.
"""
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = ("dispute", "appeal", "insurance_pending", "fap", "bankruptcy", "deceased", "promise", "practice")
TABLES = ("hold", "hold_release")
PREFIX = "append_only_"


def _who() -> list[sa.Column]:
    return [sa.Column("reason", sa.String(length=500), nullable=False),
            sa.Column("operator", sa.String(length=64), nullable=False),
            sa.Column("business_date", sa.Date(), nullable=False),
            sa.Column("created_at", UTCDateTime(), nullable=False)]


def _create_tables() -> None:
    kinds = " OR ".join(f"kind = '{k}'" for k in KINDS)
    op.create_table(
        "hold",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", sa.BigInteger(), nullable=False),
        sa.Column("guarantor_id", sa.BigInteger(), nullable=False),
        sa.Column("encounter_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        *_who(),
        sa.CheckConstraint(f"({kinds})", name=op.f("ck_hold_kind_values")),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name=op.f("ck_hold_ends_after_start")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_hold_practice_id_practice")),
        sa.ForeignKeyConstraint(["guarantor_id"], ["guarantor.id"], name=op.f("fk_hold_guarantor_id_guarantor")),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], name=op.f("fk_hold_encounter_id_encounter")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold")),
    )
    op.create_index("ix_hold_guarantor", "hold", ["guarantor_id", "start_date"])
    op.create_index("ix_hold_practice", "hold", ["practice_id", "start_date"])
    op.create_index(op.f("ix_hold_encounter_id"), "hold", ["encounter_id"])
    op.create_table(
        "hold_release",
        sa.Column("id", ID, nullable=False),
        sa.Column("hold_id", sa.BigInteger(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        *_who(),
        sa.ForeignKeyConstraint(["hold_id"], ["hold.id"], name=op.f("fk_hold_release_hold_id_hold")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold_release")),
        sa.UniqueConstraint("hold_id", name="uq_hold_release_hold"),
    )


def _append_only(postgres: bool) -> None:
    for table in TABLES:
        for kind, verb in (("update", "changed"), ("delete", "deleted")):
            event = kind.upper()
            if postgres:
                body = "EXECUTE FUNCTION recoup_refuse_change()"
            else:
                body = f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: its rows cannot be {verb}'); END"
            op.execute(f"CREATE TRIGGER {PREFIX}{table}_{kind} BEFORE {event} ON {table} FOR EACH ROW {body}")


def upgrade() -> None:
    _create_tables()
    _append_only(op.get_bind().dialect.name == "postgresql")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for kind in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {PREFIX}{table}_{kind}" + (f" ON {table}" if postgres else ""))
    op.drop_table("hold_release")
    op.drop_table("hold")
