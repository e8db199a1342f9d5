"""import2: what the CSV import remembers of each file it imported (checksum, rows, state after)

Revision ID: 0022_import2
Revises: 0022_workers
Written by hand to match core/models/imports.py. A folder imported again with a file of the same
bytes, while nothing has changed the imported tables since, skips that file (core.imports.unchanged).
"""
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0022_import2"
down_revision = "0022_workers"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "import_file",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=400), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_file")),
        sa.UniqueConstraint("name", name=op.f("uq_import_file_name")),
    )


def downgrade() -> None:
    op.drop_table("import_file")
