"""precollections: task list, history, runs, agencies, agency files

Revision ID: 0002
Revises: 0001
Written by hand to match core/models/precollections.py (checked against the models with
Alembic's compare_metadata on SQLite and PostgreSQL).
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TASK_STATES = "'pre', 'not_sent', 'sent', 'removed', 'written_off', 'returned', 'withdrawn', 'dropped'"
ACTIONS = ("'send-to-collections', 'remove', 'write-off', 'remove-from-pending', 'send-to-agency', "
           "'remove-from-collections'")
ON_LIST = "'pre', 'not_sent', 'sent'"


def _id() -> sa.Column:
    return sa.Column("id", ID, nullable=False)


def _fk(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "agency", _id(), _fk("practice_id"), _text("source_id", 40), _text("name", 120),
        _text("contact", 200, True), _text("file_format", 10), _text("columns", 500),
        sa.Column("baa_signed", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("file_format IN ('xlsx', 'csv')", name=op.f("ck_agency_file_format_values")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_agency_practice_id_practice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
        sa.UniqueConstraint("practice_id", "source_id", name="uq_agency_source"))

    op.create_table(
        "precollection_run", _id(), _fk("practice_id"), _text("kind", 20), _text("operator", 64),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=True), _fk("journal_id", True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('build', 'set_action', 'apply', 'send', 'spreadsheet')",
                           name=op.f("ck_precollection_run_kind_values")),
        sa.ForeignKeyConstraint(["journal_id"], ["journal.id"], name=op.f("fk_precollection_run_journal_id_journal")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_precollection_run_practice_id_practice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_precollection_run")))
    op.create_index("ix_precollection_run_practice_kind", "precollection_run", ["practice_id", "kind", "id"])

    op.create_table(
        "precollection_task", _id(), _fk("practice_id"), sa.Column("task_no", sa.Integer(), nullable=False),
        _fk("encounter_id"), _fk("guarantor_id"), sa.Column("on_list", sa.Boolean(), nullable=False),
        _text("state", 20), _text("action", 30, True), _text("action_by", 64, True),
        sa.Column("state_date", sa.Date(), nullable=False), _fk("agency_id", True),
        sa.Column("batch_no", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True), _fk("run_id", True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"state IN ({TASK_STATES})", name=op.f("ck_precollection_task_state_values")),
        sa.CheckConstraint(f"action IS NULL OR action IN ({ACTIONS})",
                           name=op.f("ck_precollection_task_action_values")),
        sa.CheckConstraint(f"(on_list AND state IN ({ON_LIST})) OR (NOT on_list AND state NOT IN ({ON_LIST}))",
                           name=op.f("ck_precollection_task_on_list_state")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_precollection_task_agency_id_agency")),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"],
                                name=op.f("fk_precollection_task_encounter_id_encounter")),
        sa.ForeignKeyConstraint(["guarantor_id"], ["guarantor.id"],
                                name=op.f("fk_precollection_task_guarantor_id_guarantor")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"],
                                name=op.f("fk_precollection_task_practice_id_practice")),
        sa.ForeignKeyConstraint(["run_id"], ["precollection_run.id"],
                                name=op.f("fk_precollection_task_run_id_precollection_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_precollection_task")),
        sa.UniqueConstraint("encounter_id", "practice_id", name="uq_precollection_task_encounter"),
        sa.UniqueConstraint("practice_id", "task_no", name="uq_precollection_task_number"))
    op.create_index("ix_precollection_task_list", "precollection_task", ["practice_id", "on_list", "state", "task_no"])
    op.create_index(op.f("ix_precollection_task_guarantor_id"), "precollection_task", ["guarantor_id"])
    op.create_index(op.f("ix_precollection_task_agency_id"), "precollection_task", ["agency_id"])

    op.create_table(
        "precollection_history", _id(), _fk("practice_id"), _fk("task_id"), _fk("encounter_id"),
        _fk("run_id"), _text("from_state", 20, True), _text("to_state", 20), _text("action", 30, True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False), _fk("agency_id", True),
        sa.Column("batch_no", sa.Integer(), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False), _text("operator", 64),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_precollection_history_agency_id_agency")),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"],
                                name=op.f("fk_precollection_history_encounter_id_encounter")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"],
                                name=op.f("fk_precollection_history_practice_id_practice")),
        sa.ForeignKeyConstraint(["run_id"], ["precollection_run.id"],
                                name=op.f("fk_precollection_history_run_id_precollection_run")),
        sa.ForeignKeyConstraint(["task_id"], ["precollection_task.id"],
                                name=op.f("fk_precollection_history_task_id_precollection_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_precollection_history")))
    op.create_index(op.f("ix_precollection_history_task_id"), "precollection_history", ["task_id"])
    op.create_index(op.f("ix_precollection_history_run_id"), "precollection_history", ["run_id"])

    op.create_table(
        "agency_file", _id(), _fk("practice_id"), _fk("agency_id"), _fk("run_id", True),
        sa.Column("batch_no", sa.Integer(), nullable=True), _text("file_format", 10), _text("path", 500),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False), _text("sha256", 64), _text("operator", 64),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("file_format IN ('xlsx', 'csv')", name=op.f("ck_agency_file_file_format_values")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_agency_file_agency_id_agency")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_agency_file_practice_id_practice")),
        sa.ForeignKeyConstraint(["run_id"], ["precollection_run.id"],
                                name=op.f("fk_agency_file_run_id_precollection_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_file")))
    op.create_index(op.f("ix_agency_file_agency_id"), "agency_file", ["agency_id"])


def downgrade() -> None:
    op.drop_table("agency_file")
    op.drop_table("precollection_history")
    op.drop_table("precollection_task")
    op.drop_table("precollection_run")
    op.drop_table("agency")
