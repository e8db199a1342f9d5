"""compliance2: when a practice's 501(r) setting and an agency's ECA kinds last changed

Revision ID: 0022_compliance2
Revises: 0021
Written by hand to match the *_at columns of core/models/ledger.py (Practice.eca_rules_at) and
core/models/agencies.py (Agency.eca_kinds_at). `recoup verify` checks every turnover to an agency
that takes ECAs against 501(r) on its business date; it can only do so while the practice's
setting and the agency's kinds are what they were then, so a trigger stamps the time of every
change of them (on UPDATE only, like 0016: NULL means "unchanged since first recorded").
"""
from alembic import op

revision = "0022_compliance2"
down_revision = "0021"
branch_labels = None
depends_on = None

STAMPS = (  # table, stamp column, the columns whose change it records
    ("practice", "eca_rules_at", ("nonprofit_501r",)),
    ("agency", "eca_kinds_at", ("eca_kinds",)),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, stamp, columns in STAMPS:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {stamp} {'TIMESTAMP' if postgres else 'DATETIME'}")
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" if postgres else f"OLD.{c} IS NOT NEW.{c}"
                              for c in columns)
        name = f"recoup_stamp_{table}_{stamp}"
        if postgres:
            op.execute(f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF {changed} THEN NEW.{stamp} := LOCALTIMESTAMP; END IF; RETURN NEW; END $$""")
            op.execute(f"CREATE TRIGGER {name} BEFORE UPDATE OF {', '.join(columns)} ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            op.execute(f"""CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table}
                FOR EACH ROW WHEN {changed} BEGIN
                UPDATE {table} SET {stamp} = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id; END""")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, stamp, _columns in STAMPS:
        name = f"recoup_stamp_{table}_{stamp}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        op.drop_column(table, stamp)
