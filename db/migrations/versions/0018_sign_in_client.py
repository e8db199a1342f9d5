"""sign_in_client: failed browser sign-ins per client address (the per-client limit, SPEC 17)

Revision ID: 0018
Revises: 0017
Written by hand to match core/models/security.py (SignInClient).
"""
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_client",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_sign_in_client")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_client")
