"""The patient collections roster (SPEC section 6, reference 003 and 004).

A guarantor's account moves through a practice's Collection Status Table; `roster_account` holds
where it is now and `roster_history` every move. Letters are queued once per status per roster
episode (the UNIQUE constraint on letter_queue is what makes that a fact rather than a hope).
Populate runs are recorded in `roster_run`; `roster_work` is the scratch table a run fills once
with every account's delinquent amount so each step is one UPDATE over it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import cents, choice, fk, pk
from core.models.ledger import AGING_BASES

SUPPRESS_BY = ("account", "transaction")
TRANSFER_CHARGES = ("delinquent", "all")
COMMENT_MODES = ("overwrite", "append")
PLAN_KINDS = ("collection", "non_delinquent")
ADJUSTMENT_KINDS = ("adjustment", "write_off", "collection_fee", "letter")
HISTORY_REASONS = ("enter", "leave", "plan_failed", "partial_payment", "transfer", "manual",
                   "plan", "approve", "send_back", "turnover")
NOTE_KINDS = ("note", "letter")
FILE_KINDS = ("letters", "turnover")

CODE_LEN = 3        # status codes (reference: 3)
ADJ_CODE_LEN = 5    # adjustment codes (reference: 5)
GROUP_LEN = 20      # billing groups (as on guarantor.billing_group)
LETTER_NAME_LEN = 40


class CollectionStatus(SQLModel, table=True):
    """One row of a practice's Collection Status Table."""
    __tablename__ = "collection_status"
    __table_args__ = (UniqueConstraint("practice_id", "code", name="uq_collection_status_code"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    code: str = Field(max_length=CODE_LEN)
    description: str = Field(max_length=40)
    days_to_remain: int | None = None  # None: a dead end, stays until changed by hand
    transfer_to: str | None = Field(default=None, max_length=CODE_LEN)
    letter: str | None = Field(default=None, max_length=LETTER_NAME_LEN)
    version: int = 1


class RosterSettings(SQLModel, table=True):
    """Patient Collections Integration: one row per practice, every field of reference 003."""
    __tablename__ = "roster_settings"
    __table_args__ = (UniqueConstraint("practice_id", name="uq_roster_settings_practice"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    aging_basis: str = choice("aging_basis", AGING_BASES, default="patient", length=10)
    age_to_enter: int = 60                       # days, 3 digits
    auto_populate: bool = True
    auto_time: str = Field(default="02:00", max_length=5)   # HH:MM, 24-hour
    min_balance_cents: int = cents(2500)         # 10 characters with the decimal point
    suppress_by: str = choice("suppress_by", SUPPRESS_BY, default="account", length=12)
    letters_in_notes: bool = True
    letters_in_history: bool = False
    letter_adj_code: str | None = Field(default=None, max_length=ADJ_CODE_LEN)
    initial_status: str = Field(max_length=CODE_LEN)
    plan_status: str | None = Field(default=None, max_length=CODE_LEN)
    plan_failed_status: str | None = Field(default=None, max_length=CODE_LEN)
    nd_plan_status: str | None = Field(default=None, max_length=CODE_LEN)
    nd_plan_failed_status: str | None = Field(default=None, max_length=CODE_LEN)
    partial_status: str | None = Field(default=None, max_length=CODE_LEN)
    review_status: str | None = Field(default=None, max_length=CODE_LEN)
    approved_status: str | None = Field(default=None, max_length=CODE_LEN)
    transfer_charges: str = choice("transfer_charges", TRANSFER_CHARGES, default="delinquent", length=10)
    write_off_code: str | None = Field(default=None, max_length=ADJ_CODE_LEN)
    fee_code: str | None = Field(default=None, max_length=ADJ_CODE_LEN)
    collection_fee_bp: int = 0                   # fee in basis points of the amount turned over
    transfer_billing_group: str | None = Field(default=None, max_length=GROUP_LEN)
    internal_comment: str | None = Field(default=None, max_length=45)
    comment_mode: str = choice("comment_mode", COMMENT_MODES, default="append", length=10)
    plan_alert: bool = True
    next_contact_days: int = 7                   # 3 digits
    require_letter_printed: bool = False         # beyond the reference
    version: int = 1


class BillingGroup(SQLModel, table=True):
    __tablename__ = "billing_group"
    __table_args__ = (UniqueConstraint("practice_id", "code", name="uq_billing_group_code"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    code: str = Field(max_length=GROUP_LEN)
    description: str = Field(max_length=40)
    suppress_collections: bool = False
    version: int = 1


class AdjustmentCode(SQLModel, table=True):
    __tablename__ = "adjustment_code"
    __table_args__ = (UniqueConstraint("practice_id", "code", name="uq_adjustment_code_code"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    code: str = Field(max_length=ADJ_CODE_LEN)
    description: str = Field(max_length=40)
    kind: str = choice("kind", ADJUSTMENT_KINDS, default="adjustment")
    version: int = 1


class RosterAccount(SQLModel, table=True):
    """Where one guarantor's account is in the roster. One row per guarantor for ever; `active`
    says whether it is in the roster now, `episode` counts its entries."""
    __tablename__ = "roster_account"
    __table_args__ = (UniqueConstraint("guarantor_id", name="uq_roster_account_guarantor"),
                      Index("ix_roster_account_practice_status", "practice_id", "active", "status_code"),
                      Index("ix_roster_account_run", "last_run_id", "last_step"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    active: bool = True
    status_code: str | None = Field(default=None, max_length=CODE_LEN)
    prev_status: str | None = Field(default=None, max_length=CODE_LEN)
    status_since: dt.date
    episode: int = 1
    entered_date: dt.date
    left_date: dt.date | None = None
    last_populate: dt.date | None = None  # the populate that last found its past-due amount changed
    past_due_cents: int = cents()
    next_contact: dt.date | None = None
    turned_over: bool = False
    turned_over_date: dt.date | None = None
    last_run_id: int | None = None     # the populate run (or 0: an operator) that last moved it
    last_step: str | None = Field(default=None, max_length=20)
    changed_by: str | None = Field(default=None, max_length=64)
    changed_at: dt.datetime | None = None
    version: int = 1


class RosterHistory(SQLModel, table=True):
    __tablename__ = "roster_history"
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id")
    episode: int
    from_status: str | None = Field(default=None, max_length=CODE_LEN)
    to_status: str | None = Field(default=None, max_length=CODE_LEN)
    reason: str = choice("reason", HISTORY_REASONS)
    run_id: int | None = fk("roster_run.id", nullable=True, index=False)
    operator: str = Field(max_length=64)
    business_date: dt.date
    at: dt.datetime


class PaymentPlan(SQLModel, table=True):
    __tablename__ = "payment_plan"
    __table_args__ = (Index("ix_payment_plan_active", "practice_id", "active"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id")
    kind: str = choice("kind", PLAN_KINDS, default="collection")
    amount_cents: int = cents()
    every_days: int
    start_date: dt.date
    default_status: str | None = Field(default=None, max_length=CODE_LEN)
    active: bool = True
    failed_date: dt.date | None = None
    ended_date: dt.date | None = None
    created_by: str = Field(max_length=64)
    created_at: dt.datetime
    version: int = 1


class LetterTemplate(SQLModel, table=True):
    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("practice_id", "name", name="uq_letter_template_name"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    name: str = Field(max_length=LETTER_NAME_LEN)
    body: str = Field(sa_column=Column(Text, nullable=False))
    version: int = 1


class LetterQueue(SQLModel, table=True):
    __tablename__ = "letter_queue"
    __table_args__ = (UniqueConstraint("guarantor_id", "episode", "status_code", name="uq_letter_queue_once"),
                      Index("ix_letter_queue_practice_printed", "practice_id", "printed_date"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    status_code: str = Field(max_length=CODE_LEN)
    template: str = Field(max_length=LETTER_NAME_LEN)
    episode: int
    queued_date: dt.date
    run_id: int | None = None
    printed_date: dt.date | None = None
    printed_by: str | None = Field(default=None, max_length=64)
    superseded_date: dt.date | None = None  # a later letter of the account replaced it unprinted (0020)
    file_id: int | None = fk("roster_file.id", nullable=True, index=False)


class AccountNote(SQLModel, table=True):
    __tablename__ = "account_note"
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id")
    kind: str = choice("kind", NOTE_KINDS, default="note", length=10)
    text: str = Field(max_length=500)
    next_contact: dt.date | None = None
    operator: str = Field(max_length=64)
    business_date: dt.date
    at: dt.datetime


class RosterRun(SQLModel, table=True):
    """One Populate Collection Roster: what each step did, in counts and past-due dollars."""
    __tablename__ = "roster_run"
    id: int | None = pk()
    practice_id: int = fk("practice.id")
    business_date: dt.date
    operator: str = Field(max_length=64)
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    outcome: str = Field(default="running", max_length=200)
    left_count: int = 0
    left_cents: int = cents()
    entered_count: int = 0
    entered_cents: int = cents()
    plan_failed_count: int = 0
    plan_failed_cents: int = cents()
    partial_count: int = 0
    partial_cents: int = cents()
    moved_count: int = 0
    moved_cents: int = cents()
    letters_count: int = 0
    notes_count: int = 0
    history_adjustments: int = 0


class RosterWork(SQLModel, table=True):
    """Scratch rows of one populate run (deleted when it ends): each candidate account's
    delinquent and total balance, computed once so every step is a plain UPDATE. `candidate_cents`
    is the delinquent balance before SPEC 14's reasons (holds, protections, insurance), read in the
    same pass, so the run's tally finds what the reasons kept out without reading the lines again."""
    __tablename__ = "roster_work"
    run_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    guarantor_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    delinquent_cents: int = cents()
    candidate_cents: int = cents()
    total_cents: int = cents()
    suppressed: bool = False
    paid_since_cents: int = cents()


class RosterFile(SQLModel, table=True):
    """A file the roster produced: printed letters (PDF) or a turnover agency file."""
    __tablename__ = "roster_file"
    id: int | None = pk()
    practice_id: int | None = fk("practice.id", nullable=True, index=False)
    kind: str = choice("kind", FILE_KINDS, length=10)
    agency_id: int | None = fk("agency.id", nullable=True, index=False)  # the turnover's agency
    path: str = Field(max_length=500)
    row_count: int = 0
    total_cents: int = cents()
    sha256: str = Field(max_length=64)
    operator: str = Field(max_length=64)
    business_date: dt.date
    at: dt.datetime
