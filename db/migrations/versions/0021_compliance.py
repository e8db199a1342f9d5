"""compliance: contact log, state time zones, ECA notices, financial assistance, placed debts (SPEC 15)

Revision ID: 0021
Revises: 0020
Written by hand to match core/models/compliance.py and the new columns of core/models/ledger.py
(Practice) and core/models/agencies.py (Agency). Columns are added with plain ALTER TABLE ... ADD
COLUMN, so a large SQLite file is not rebuilt. The time zones of the US states, DC and the
territories are loaded (each state at its most populous zone); admins correct them
(`recoup contacts zone`).
"""
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
E, C, M, P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
ZONES = {
    "AL": C, "AK": "America/Anchorage", "AZ": "America/Phoenix", "AR": C, "CA": P, "CO": M, "CT": E, "DE": E,
    "DC": E, "FL": E, "GA": E, "HI": "Pacific/Honolulu", "ID": M, "IL": C, "IN": "America/Indiana/Indianapolis",
    "IA": C, "KS": C, "KY": E, "LA": C, "ME": E, "MD": E, "MA": E, "MI": "America/Detroit", "MN": C, "MS": C,
    "MO": C, "MT": M, "NE": C, "NV": P, "NH": E, "NJ": E, "NM": M, "NY": E, "NC": E, "ND": C, "OH": E, "OK": C,
    "OR": P, "PA": E, "RI": E, "SC": E, "SD": C, "TN": C, "TX": C, "UT": M, "VT": E, "VA": E, "WA": P, "WV": E,
    "WI": C, "WY": M, "PR": "America/Puerto_Rico", "VI": "America/St_Thomas", "GU": "Pacific/Guam",
    "AS": "Pacific/Pago_Pago", "MP": "Pacific/Saipan",
}
PRACTICE = (("nonprofit_501r", "BOOLEAN NOT NULL DEFAULT FALSE"), ("fap_summary", "VARCHAR(2000)"),
            ("credit_report_min_cents", "BIGINT NOT NULL DEFAULT 50000"),
            ("no_medical_credit_reporting", "BOOLEAN NOT NULL DEFAULT FALSE"))
BASES = ("last_statement", "placement", "last_payment", "service")


def _values(column: str, values: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _owned(table: str) -> list[sa.Column | sa.Constraint]:
    """id, practice and guarantor: every table here belongs to a guarantor of a practice."""
    return [sa.Column("id", ID, nullable=False), sa.Column("practice_id", sa.BigInteger(), nullable=False),
            sa.Column("guarantor_id", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            _fk(table, "practice_id", "practice"), _fk(table, "guarantor_id", "guarantor")]


def _columns() -> None:
    for name, kind in PRACTICE:
        op.execute(f"ALTER TABLE practice ADD COLUMN {name} {kind}")
    op.execute("ALTER TABLE practice ADD COLUMN itemization_basis VARCHAR(20) NOT NULL DEFAULT 'placement' "
               f"CONSTRAINT ck_practice_itemization_basis_values CHECK {_values('itemization_basis', BASES)}")
    op.execute("ALTER TABLE agency ADD COLUMN eca_kinds VARCHAR(60) NOT NULL DEFAULT ''")


def _contacts() -> None:
    outcomes = ("no_answer", "left_message", "wrong_number", "conversation")
    op.create_table(
        "contact_log", *_owned("contact_log"),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("called_at", UTCDateTime(), nullable=False),
        sa.Column("call_date", sa.Date(), nullable=False),
        sa.Column("flags", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(_values("outcome", outcomes), name=op.f("ck_contact_log_outcome_values")),
    )
    op.create_index("ix_contact_log_guarantor", "contact_log", ["guarantor_id", "call_date"])
    zones = op.create_table(
        "state_time_zone",
        sa.Column("id", ID, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("time_zone", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_time_zone")),
        sa.UniqueConstraint("state", name=op.f("uq_state_time_zone_state")),
    )
    op.bulk_insert(zones, [{"state": s, "time_zone": z} for s, z in ZONES.items()])


def _eca() -> None:
    op.create_table(
        "eca_notice", *_owned("eca_notice"),
        sa.Column("printed_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_eca_notice_guarantor", "eca_notice", ["guarantor_id", "printed_date"])
    op.create_table(
        "fap_application", *_owned("fap_application"),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("discount_bp", sa.Integer(), nullable=True),
        sa.Column("decided_date", sa.Date(), nullable=True),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        sa.Column("journal_id", sa.BigInteger(), nullable=True),
        sa.Column("adjusted_cents", sa.BigInteger(), nullable=True),
        sa.Column("refund_cents", sa.BigInteger(), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("fap_application", "hold_id", "hold"), _fk("fap_application", "journal_id", "journal"),
        sa.CheckConstraint(_values("decision", ("pending", "approved", "denied")),
                           name=op.f("ck_fap_application_decision_values")),
        sa.CheckConstraint("discount_bp IS NULL OR (discount_bp >= 0 AND discount_bp <= 10000)",
                           name=op.f("ck_fap_application_discount_range")),
    )
    op.create_index("ix_fap_application_guarantor", "fap_application", ["guarantor_id", "received_date"])


def _placed() -> None:
    op.create_table(
        "placed_debt", *_owned("placed_debt"),
        sa.Column("encounter_id", sa.BigInteger(), nullable=False),
        sa.Column("placed_by", sa.String(length=10), nullable=False),
        sa.Column("first_placed", sa.Date(), nullable=False),
        sa.Column("first_placed_cents", sa.BigInteger(), nullable=False),
        sa.Column("first_delinquency", sa.Date(), nullable=False),
        sa.Column("itemization_basis", sa.String(length=20), nullable=False),
        sa.Column("itemization_date", sa.Date(), nullable=False),
        sa.Column("itemization_cents", sa.BigInteger(), nullable=False),
        sa.Column("closed_date", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=40), nullable=True),
        _fk("placed_debt", "encounter_id", "encounter"),
        sa.UniqueConstraint("encounter_id", name="uq_placed_debt_encounter"),
        sa.CheckConstraint(_values("placed_by", ("external", "roster")), name=op.f("ck_placed_debt_placed_by_values")),
    )
    op.create_index("ix_placed_debt_practice", "placed_debt", ["practice_id", "first_placed"])


def upgrade() -> None:
    _columns()
    _contacts()
    _eca()
    _placed()


def downgrade() -> None:
    for table in ("placed_debt", "fap_application", "eca_notice", "state_time_zone", "contact_log"):
        op.drop_table(table)
    with op.batch_alter_table("agency") as batch:
        batch.drop_column("eca_kinds")
    with op.batch_alter_table("practice") as batch:
        for name in (*(n for n, _ in PRACTICE), "itemization_basis"):
            batch.drop_column(name)
