"""tallies: what every batch considered, took and left out, by reason (SPEC 14); when protections,
insurance status and the practice's rules last changed

Revision ID: 0016
Revises: 0015
Written by hand to match core/models/tallies.py and the *_at columns of core/models/ledger.py.
`recoup verify` checks every batch's takes against the protections and insurance status in force
when it ran; it can only do so for facts that have not changed since, so a trigger stamps the
time of every change of them (on UPDATE only: a row inserted after a batch cannot have been
taken by it, so NULL means "unchanged since it was first recorded"). The triggers fire only for
updates that name those columns (imports, `recoup protections`), never for the ledger's balance
refreshes, so they cost the batches nothing.
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


STAMPS = (  # table, stamp column, the columns whose change it records
    ("guarantor", "protections_at", ("birth_date", "date_of_death", "responsible_party_name", "bankruptcy_filed",
                                     "household_income_cents", "household_size")),
    ("encounter", "insurance_at", ("insurance_status",)),
    ("practice", "rules_at", ("wait_for_insurance", "income_threshold_pct")),
)


def _stamps(postgres: bool) -> None:
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


def upgrade() -> None:
    _stamps(op.get_bind().dialect.name == "postgresql")
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
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, stamp, _columns in STAMPS:
        name = f"recoup_stamp_{table}_{stamp}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        op.drop_column(table, stamp)
    op.drop_table("tally_account")
    op.drop_table("tally_count")
    op.drop_table("tally")
