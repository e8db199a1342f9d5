"""dashboard speed: a partial index of the open guarantor lines

Revision ID: 0009_dashboard_speed
Revises: 0008
Written by hand. The dashboard's aging breakdown (and the list's age filters) look up, per task,
the anchor of its encounter's oldest open guarantor line (core.precollections.criteria,
OPEN_LINE_SQL). ix_service_line_open_anchor (0005) answers that from the index but holds every
line, insurance and paid ones too: about twice the entries to walk. This one holds only the open
guarantor lines (the same columns, so both databases read it alone); on the large demo the
breakdown of a 155,000-task state costs about a quarter less. 0005's index stays: the ledger's
balance refresh sums every guarantor line of an encounter, open or not. Declared on the model too
(core/models/ledger.py, ServiceLine). SQLite: its statistics are gathered at once when the
database has any, or its planner would keep preferring 0005's index it has statistics for.
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_dashboard_speed"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = "ix_service_line_open_guarantor"
OPEN = "responsibility = 'guarantor' AND ar_cents + collections_cents > 0"


def upgrade() -> None:
    op.create_index(NAME, "service_line",
                    ["encounter_id", "responsibility", "ar_cents", "collections_cents", "posted_date",
                     "responsibility_date"],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        bind.execute(sa.text("PRAGMA analysis_limit = 1000"))  # a sample, as `recoup demo` does
        bind.execute(sa.text(f"ANALYZE {NAME}"))


def downgrade() -> None:
    op.drop_index(NAME, table_name="service_line")
