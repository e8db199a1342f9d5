"""external collections: assignment table, settings, placements, history, runs, files, returns

Revision ID: 0004
Revises: 0002
Written by hand to match core/models/agencies.py (and agency.fee_bp in core/models/precollections.py),
checked against the models with Alembic's compare_metadata on SQLite and PostgreSQL. A branch of
0002; the lead's merge revision joins it with the roster branch.
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = "'pending', 'posted', 'filed', 'denied', 'released', 'reversed', 'recalled', 'closed'"
ACTIVE = "'pending', 'posted', 'filed'"
RUN_KINDS = "'nightly', 'select', 'approve', 'deny', 'assign', 'reverse', 'reassign', 'file', 'sent', 'returns'"


def _id(table: str) -> list:
    return [sa.Column("id", ID, nullable=False), sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))]


def _fk(table: str, name: str, target: str, nullable: bool = False) -> list:
    return [sa.Column(name, sa.BigInteger(), nullable=nullable),
            sa.ForeignKeyConstraint([name], [f"{target}.id"], name=op.f(f"fk_{table}_{name}_{target}"))]


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def _bool(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=False)


def _date(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Date(), nullable=nullable)


def _stamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.add_column(sa.Column("fee_bp", sa.Integer(), nullable=False, server_default="0"))

    t = "agency_assignment"
    op.create_table(
        t, *_id(t), *_fk(t, "practice_id", "practice"), *_fk(t, "agency_id", "agency"),
        _money("balance_gt_cents", True), _int("age_gt", True), _bool("auto_approve"), _bool("auto_file"),
        _int("version"),
        _check(t, "thresholds_together", "(balance_gt_cents IS NULL) = (age_gt IS NULL)"),
        _check(t, "auto_needs_thresholds", "age_gt IS NOT NULL OR (NOT auto_approve AND NOT auto_file)"),
        sa.UniqueConstraint("practice_id", "agency_id", name="uq_agency_assignment_agency"))

    t = "external_settings"
    op.create_table(
        t, *_id(t), *_fk(t, "practice_id", "practice"), _int("exclude_days", True),
        _money("exclude_min_cents", True), _int("exclude_pct_bp", True), _bool("account_level"),
        _bool("returned_mail"), _bool("reassign"), _bool("reage_denied"), _bool("by_dos"), _int("version"),
        sa.UniqueConstraint("practice_id", name="uq_external_settings_practice"))

    t = "external_run"
    op.create_table(
        t, *_id(t), *_fk(t, "practice_id", "practice"), _text("kind", 20), _text("operator", 64),
        _date("business_date"), _stamp("started_at"), _stamp("ended_at", True), _text("outcome", 20, True),
        *_fk(t, "journal_id", "journal", True),
        *[c for step in ("selected", "released", "posted", "filed") for c in (_int(f"{step}_count"),
                                                                               _money(f"{step}_cents"))],
        _int("files_count"), _int("reassigned_count"), _money("reassigned_cents"),
        sa.Column("summary", sa.Text(), nullable=True),
        _check(t, "kind_values", f"kind IN ({RUN_KINDS})"))
    op.create_index("ix_external_run_practice_date", t, ["practice_id", "business_date", "kind"])

    t = "external_placement"
    op.create_table(
        t, *_id(t), *_fk(t, "practice_id", "practice"), *_fk(t, "line_id", "service_line"),
        *_fk(t, "encounter_id", "encounter"), *_fk(t, "guarantor_id", "guarantor"), _text("state", 20),
        _bool("active"), *_fk(t, "agency_id", "agency", True), _text("reason", 20), _bool("returned_mail"),
        _date("selected_date"), _date("posted_date", True), _date("state_date"),
        *_fk(t, "file_id", "agency_file", True), _int("batch_no", True), _date("age_from", True),
        _date("reassigned_on", True), _text("prev_state", 20, True), *_fk(t, "prev_agency_id", "agency", True),
        *_fk(t, "last_run_id", "external_run", True),
        _text("last_step", 20, True), _int("version"),
        _check(t, "state_values", f"state IN ({STATES})"),
        _check(t, "reason_values", "reason IN ('rule', 'dos', 'returned_mail', 'manual')"),
        _check(t, "active_state", f"(active AND state IN ({ACTIVE})) OR (NOT active AND state NOT IN ({ACTIVE}))"),
        sa.UniqueConstraint("line_id", name="uq_external_placement_line"))
    op.create_index("ix_external_placement_work", t, ["practice_id", "state", "agency_id"])
    op.create_index("ix_external_placement_encounter", t, ["encounter_id", "active"])
    op.create_index("ix_external_placement_last_run", t, ["last_run_id", "last_step"])
    op.create_index(op.f("ix_external_placement_agency_id"), t, ["agency_id"])
    op.create_index(op.f("ix_external_placement_guarantor_id"), t, ["guarantor_id"])

    t = "external_history"
    op.create_table(
        t, *_id(t), *_fk(t, "practice_id", "practice"), *_fk(t, "placement_id", "external_placement"),
        *_fk(t, "run_id", "external_run"), _text("step", 20), _text("from_state", 20, True), _text("to_state", 20),
        *_fk(t, "from_agency_id", "agency", True), *_fk(t, "agency_id", "agency", True), _money("amount_cents"),
        _date("business_date"), _stamp("at"), _text("operator", 64))
    op.create_index(op.f("ix_external_history_placement_id"), t, ["placement_id"])
    op.create_index(op.f("ix_external_history_run_id"), t, ["run_id"])

    t = "external_file"
    op.create_table(
        t, *_id(t), *_fk(t, "practice_id", "practice"), *_fk(t, "agency_id", "agency"),
        *_fk(t, "agency_file_id", "agency_file"), *_fk(t, "run_id", "external_run"), _int("batch_no"),
        _stamp("sent_at", True), _date("sent_date", True), _text("sent_by", 64, True),
        sa.UniqueConstraint("agency_file_id", name="uq_external_file_agency_file"),
        sa.UniqueConstraint("practice_id", "batch_no", name="uq_external_file_batch"))
    op.create_index(op.f("ix_external_file_agency_id"), t, ["agency_id"])

    t = "agency_return_import"
    op.create_table(
        t, *_id(t), *_fk(t, "practice_id", "practice"), *_fk(t, "agency_id", "agency"),
        *_fk(t, "run_id", "external_run"), _text("file_name", 500), _text("sha256", 64), _int("rows"),
        _int("payments"), _money("gross_cents"), _money("fee_cents"), _int("recalls"), _money("recall_cents"),
        _int("closed"), _date("business_date"), _stamp("created_at"), _text("operator", 64),
        sa.UniqueConstraint("practice_id", "sha256", name="uq_agency_return_import_sha"))
    op.create_index(op.f("ix_agency_return_import_agency_id"), t, ["agency_id"])

    t = "agency_return"
    op.create_table(
        t, *_id(t), *_fk(t, "import_id", "agency_return_import"), *_fk(t, "practice_id", "practice"),
        _int("line_no"), _text("record", 20), _text("line_ref", 40, True), _int("placement_ref", True),
        *_fk(t, "placement_id", "external_placement", True), *_fk(t, "line_id", "service_line", True),
        _date("date"), _money("gross_cents"), _money("fee_cents"), _text("reference", 60, True),
        _check(t, "record_values", "record IN ('payment', 'recall', 'closed')"))
    op.create_index(op.f("ix_agency_return_import_id"), t, ["import_id"])


def downgrade() -> None:
    for table in ("agency_return", "agency_return_import", "external_file", "external_history",
                  "external_placement", "external_run", "external_settings", "agency_assignment"):
        op.drop_table(table)
    with op.batch_alter_table("agency") as batch:
        batch.drop_column("fee_bp")
