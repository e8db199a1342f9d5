"""merge: dashboard, guarantor-sort and ledger-speed indexes back to one head

Revision ID: 0013
Revises: 0009_dashboard_speed, 0010_guarantor_sort, 0012
Nothing to do: the three branches touch different tables.
"""

revision = "0013"
down_revision = ("0009_dashboard_speed", "0010_guarantor_sort", "0012")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
