"""tallies: what every batch considered, took and left out, by reason (SPEC 14)

Revision ID: 0016
Revises: 0015
Written by hand to match core/models/tallies.py.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = ("precollections_add", "external_run", "roster_populate", "letters_print", "agency_file", "turnover")


def _values(column: str, values: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "tally",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("considered", sa.Integer(), nullable=False),
        sa.Column("considered_cents", sa.BigInteger(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("taken_cents", sa.BigInteger(), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=True),
        sa.CheckConstraint(_values("kind", KINDS), name=op.f("ck_tally_kind_values")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_tally_practice_id_practice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally")),
    )
    op.create_index("ix_tally_practice_kind", "tally", ["practice_id", "kind", "business_date"])
    op.create_table(
        "tally_count",
        sa.Column("id", ID, nullable=False),
        sa.Column("tally_id", sa.BigInteger(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(_values("side", ("taken", "excluded")), name=op.f("ck_tally_count_side_values")),
        sa.ForeignKeyConstraint(["tally_id"], ["tally.id"], name=op.f("fk_tally_count_tally_id_tally")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_count")),
        sa.UniqueConstraint("tally_id", "side", "code", name="uq_tally_count_code"),
    )
    op.create_table(
        "tally_account",
        sa.Column("id", ID, nullable=False),
        sa.Column("tally_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("guarantor_id", sa.BigInteger(), nullable=False),
        sa.Column("encounter_id", sa.BigInteger(), nullable=True),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tally_id"], ["tally.id"], name=op.f("fk_tally_account_tally_id_tally")),
        sa.ForeignKeyConstraint(["guarantor_id"], ["guarantor.id"],
                                name=op.f("fk_tally_account_guarantor_id_guarantor")),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"],
                                name=op.f("fk_tally_account_encounter_id_encounter")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_account")),
    )
    op.create_index("ix_tally_account_code", "tally_account", ["tally_id", "code", "id"])


def downgrade() -> None:
    op.drop_table("tally_account")
    op.drop_table("tally_count")
    op.drop_table("tally")
