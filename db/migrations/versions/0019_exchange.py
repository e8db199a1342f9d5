"""exchange: the database's identity, incoming agency files, and what each outgoing file carries (SPEC 16)

Revision ID: 0019
Revises: 0018
Written by hand to match core/models/exchange.py, AgencyFile (kind, through_id), RosterFile
(agency_id) and AgencyReturn's index for the returns checks. Columns are added with plain ALTER TABLE ... ADD COLUMN so a large SQLite file is not
rebuilt. The identity row is made here, so every database migrated to this revision has one
(core.identity makes it for a database created from the models alone).
"""
import secrets

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OUT_KINDS = ("new", "update", "payment", "recall", "close", "sync")
IN_KINDS = ("ack", "returns", "sync")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "database_identity",
        sa.Column("id", ID, nullable=False),
        sa.Column("identity", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_identity")),
        sa.UniqueConstraint("identity", name="uq_database_identity_identity"),
    )
    op.execute(f"INSERT INTO database_identity (identity, created_at) VALUES ('{secrets.token_hex(4)}', "
               "CURRENT_TIMESTAMP)")
    op.create_table(
        "exchange_import",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", sa.BigInteger(), nullable=False),
        sa.Column("agency_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.CheckConstraint(_one_of("kind", IN_KINDS), name=op.f("ck_exchange_import_kind_values")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_exchange_import_practice_id_practice")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_exchange_import_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_import")),
        sa.UniqueConstraint("practice_id", "sha256", name="uq_exchange_import_sha"),
    )
    op.create_index(op.f("ix_exchange_import_agency_id"), "exchange_import", ["agency_id"])
    op.execute("ALTER TABLE agency_file ADD COLUMN kind VARCHAR(10) NOT NULL DEFAULT 'new' CONSTRAINT "
               f"ck_agency_file_kind_values CHECK {_one_of('kind', OUT_KINDS)}")
    op.execute("ALTER TABLE agency_file ADD COLUMN through_id BIGINT")
    op.create_index("ix_agency_return_import_placement", "agency_return", ["import_id", "placement_id", "record"])
    op.execute("ALTER TABLE roster_file ADD COLUMN agency_id BIGINT CONSTRAINT fk_roster_file_agency_id_agency "
               "REFERENCES agency (id)")


def downgrade() -> None:
    for table, columns in (("roster_file", ("agency_id",)), ("agency_file", ("through_id", "kind"))):
        with op.batch_alter_table(table) as batch:
            for name in columns:
                batch.drop_column(name)
    op.drop_index("ix_agency_return_import_placement", table_name="agency_return")
    op.drop_index(op.f("ix_exchange_import_agency_id"), table_name="exchange_import")
    op.drop_table("exchange_import")
    op.drop_table("database_identity")
