"""role_history: every operator's role and active flag as each change left them, append-only (SPEC 17)

Revision ID: 0022_sec2
Revises: 0022_exchange2
Written by hand to match core/models/security.py (RoleHistory). The table refuses UPDATE and
DELETE through the same append-only triggers as migration 0007 (and TRUNCATE on PostgreSQL, as
0017 added for the others); the audit chain covers its rows (core.audit_cover). An existing
database gets one row per operator as the upgrade finds it (action "upgrade"): `recoup init`
after the upgrade vouches for them afresh, and verify still replays the audit trail's operator
entries, so a role raised behind Recoup's back before the upgrade is still caught.
"""
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0022_sec2"
down_revision = "0022_exchange2"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "role_history"
PREFIX = "append_only_"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", ID, nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_history")),
    )
    op.create_index("ix_role_history_operator", TABLE, ["operator"])
    op.execute(f"INSERT INTO {TABLE} (operator, role, active, action, changed_by, at) "
               "SELECT name, role, active, 'upgrade', 'recoup', CURRENT_TIMESTAMP FROM operator ORDER BY id")
    postgres = op.get_bind().dialect.name == "postgresql"
    for kind, verb in (("update", "changed"), ("delete", "deleted")):
        body = ("EXECUTE FUNCTION recoup_refuse_change()" if postgres else
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: its rows cannot be {verb}'); END")
        op.execute(f"CREATE TRIGGER {PREFIX}{TABLE}_{kind} BEFORE {kind.upper()} ON {TABLE} FOR EACH ROW {body}")
    if postgres:
        op.execute(f"CREATE TRIGGER {PREFIX}{TABLE}_truncate BEFORE TRUNCATE ON {TABLE} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION recoup_refuse_change()")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for kind in ("update", "delete", "truncate") if postgres else ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {PREFIX}{TABLE}_{kind}" + (f" ON {TABLE}" if postgres else ""))
    op.drop_index("ix_role_history_operator", table_name=TABLE)
    op.drop_table(TABLE)
