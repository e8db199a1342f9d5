"""protections: protected guarantors, insurance still open, poverty guidelines (SPEC 14)

Revision ID: 0015
Revises: 0014
Written by hand to match core/models/ledger.py and core/models/protections.py. Columns are added
with plain ALTER TABLE ... ADD COLUMN (a column CHECK is allowed there on both databases), so a
large SQLite file is not rebuilt. The guidelines of 2024 and 2025 (the 48 contiguous states and
DC) are loaded; admins add later years (`recoup protections guideline`).
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GUARANTOR = (("date_of_death", "DATE"), ("responsible_party_name", "VARCHAR(120)"),
             ("responsible_party_address", "VARCHAR(200)"), ("bankruptcy_filed", "DATE"),
             ("bankruptcy_chapter", "VARCHAR(4)"), ("bankruptcy_case", "VARCHAR(40)"),
             ("household_income_cents", "BIGINT"), ("household_size", "INTEGER"))
GUIDELINES = ((2024, 15_060_00, 5_380_00), (2025, 15_650_00, 5_500_00))


def upgrade() -> None:
    for name, kind in GUARANTOR:
        op.execute(f"ALTER TABLE guarantor ADD COLUMN {name} {kind}")
    statuses = " OR ".join(f"insurance_status = '{s}'" for s in ("open", "closed", "appeal"))
    op.execute("ALTER TABLE encounter ADD COLUMN insurance_status VARCHAR(10) CONSTRAINT "
               f"ck_encounter_insurance_status_values CHECK (insurance_status IS NULL OR ({statuses}))")
    op.execute("ALTER TABLE practice ADD COLUMN wait_for_insurance BOOLEAN NOT NULL DEFAULT TRUE")
    op.execute("ALTER TABLE practice ADD COLUMN income_threshold_pct INTEGER")
    table = op.create_table(
        "poverty_guideline",
        sa.Column("id", ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("base_cents", sa.BigInteger(), nullable=False),
        sa.Column("per_person_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poverty_guideline")),
        sa.UniqueConstraint("year", name=op.f("uq_poverty_guideline_year")),
    )
    op.bulk_insert(table, [{"year": y, "base_cents": b, "per_person_cents": p} for y, b, p in GUIDELINES])


def downgrade() -> None:
    op.drop_table("poverty_guideline")
    for table, columns in (("practice", ("income_threshold_pct", "wait_for_insurance")),
                           ("encounter", ("insurance_status",)), ("guarantor", tuple(n for n, _ in GUARANTOR))):
        with op.batch_alter_table(table) as batch:
            for name in columns:
                batch.drop_column(name)
