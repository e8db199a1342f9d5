"""external indexes: drop the placement indexes nothing reads

Revision ID: 0006
Revises: 0004
Written by hand. external_placement had single-column indexes on guarantor_id and agency_id
that no query uses (placements are found by practice and state, by line, by encounter, or by the
run and step that last changed them); each one costs every insert and every change of agency,
and the nightly run inserts and updates up to 100,000 placements at a time. Declared on the model
too (core/models/agencies.py, ExternalPlacement: index=False).
"""
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_external_placement_agency_id", table_name="external_placement")
    op.drop_index("ix_external_placement_guarantor_id", table_name="external_placement")


def downgrade() -> None:
    op.create_index("ix_external_placement_guarantor_id", "external_placement", ["guarantor_id"])
    op.create_index("ix_external_placement_agency_id", "external_placement", ["agency_id"])
