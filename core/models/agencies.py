"""External collection agencies (SPEC section 5, reference 002): the assignment table, the payment
exclusions and rules, each service line's placement with an agency, and the runs and returns.

A placement is the one row a service line ever has here (like a Pre-Collections task for an
encounter): it is created the first time the line is selected and then moves through its states,
so the re-age date of a denial and the history of every move stay attached to the same row.
`active` is true exactly while the line is in the external workflow (pending, posted, filed);
the other workflows read that flag to keep one balance in one workflow (SPEC 2).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import cents, choice, fk, none_of, one_of, pk

ACTIVE_STATES = ("pending", "posted", "filed")
# denied: an operator refused a pending line (back to active A/R, re-aged if the rule is on);
# released: a pending line whose balance was paid before anyone approved it; reversed: a posted
# line taken back to A/R by an operator; recalled / closed: the agency gave it back (returns).
INACTIVE_STATES = ("denied", "released", "reversed", "recalled", "closed")
PLACEMENT_STATES = ACTIVE_STATES + INACTIVE_STATES
REASONS = ("rule", "dos", "returned_mail", "manual")
RUN_KINDS = ("nightly", "select", "approve", "deny", "assign", "reverse", "reassign", "file", "sent", "returns")
RETURN_RECORDS = ("payment", "recall", "closed")
FILE_FORMATS = ("xlsx", "csv")
ECA_KINDS = ("credit_reporting", "debt_sale", "legal")



class Agency(SQLModel, table=True):
    """A collection agency of one practice and its file profile (what it receives, and how)."""
    __table_args__ = (UniqueConstraint("practice_id", "source_id", name="uq_agency_source"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    source_id: str = Field(max_length=40)
    name: str = Field(max_length=120)
    contact: str | None = Field(default=None, max_length=200)
    file_format: str = choice("file_format", FILE_FORMATS, default="xlsx", length=10)
    # comma-separated column keys of core.exchange.agency_files.COLUMNS; empty = the minimum-necessary default
    columns: str = Field(default="", max_length=500)
    baa_signed: dt.date | None = None
    fee_bp: int = 0  # the agency's fee in basis points of what it collects (20 % = 2000); migration 0004
    # SPEC 15.5: comma-separated ECA_KINDS this agency does; any makes a placement with it an
    # extraordinary collection action (migration 0021)
    eca_kinds: str = Field(default="", max_length=60)
    eca_kinds_at: dt.datetime | None = None  # last change of eca_kinds (a trigger: 0022_compliance2)
    active: bool = True
    version: int = 1


class AgencyAssignment(SQLModel, table=True):
    """One row of a practice's External Collection Assignment Table.

    Both thresholds NULL: the agency is used for manual selection only. Otherwise both are set
    (an age alone is saved with a balance of 0), and a line qualifies when its balance is greater
    than balance_gt_cents and its age greater than age_gt days.
    """
    __tablename__ = "agency_assignment"
    __table_args__ = (UniqueConstraint("practice_id", "agency_id", name="uq_agency_assignment_agency"),
                      CheckConstraint("(balance_gt_cents IS NULL) = (age_gt IS NULL)", name="thresholds_together"),
                      CheckConstraint("age_gt IS NOT NULL OR (NOT auto_approve AND NOT auto_file)",
                                      name="auto_needs_thresholds"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    agency_id: int = fk("agency.id", index=False)
    balance_gt_cents: int | None = cents(default=None, nullable=True)
    age_gt: int | None = None
    auto_approve: bool = False
    auto_file: bool = False
    version: int = 1


class ExternalSettings(SQLModel, table=True):
    """Payment exclusions and the four rules of the External Collections tab, one row per practice.

    Exclusions are on when exclude_days is set; then at least one minimum is set. The percentage
    is kept in basis points (10 % = 1000) so it stays an integer.
    """
    __tablename__ = "external_settings"
    __table_args__ = (UniqueConstraint("practice_id", name="uq_external_settings_practice"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    exclude_days: int | None = None
    exclude_min_cents: int | None = cents(default=None, nullable=True)
    exclude_pct_bp: int | None = None
    account_level: bool = False
    returned_mail: bool = False
    reassign: bool = False
    reage_denied: bool = False
    by_dos: bool = False
    version: int = 1


class ExternalRun(SQLModel, table=True):
    """One operation of the external workflow: a nightly run (with counts and dollars per step)
    or an operator's action on the work screens (with its summary)."""
    __tablename__ = "external_run"
    __table_args__ = (Index("ix_external_run_practice_date", "practice_id", "business_date", "kind"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    kind: str = choice("kind", RUN_KINDS)
    operator: str = Field(max_length=64)
    business_date: dt.date
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    outcome: str | None = Field(default=None, max_length=20)
    journal_id: int | None = fk("journal.id", nullable=True, index=False)
    selected_count: int = 0
    selected_cents: int = cents()
    released_count: int = 0
    released_cents: int = cents()
    posted_count: int = 0
    posted_cents: int = cents()
    filed_count: int = 0
    filed_cents: int = cents()
    files_count: int = 0
    reassigned_count: int = 0
    reassigned_cents: int = cents()
    summary: str | None = Field(default=None, sa_column=Column(Text))  # JSON


class ExternalPlacement(SQLModel, table=True):
    """A service line's place in external collections."""
    __tablename__ = "external_placement"
    __table_args__ = (
        UniqueConstraint("line_id", name="uq_external_placement_line"),
        Index("ix_external_placement_work", "practice_id", "state", "agency_id"),
        Index("ix_external_placement_encounter", "encounter_id", "active"),
        Index("ix_external_placement_last_run", "last_run_id", "last_step"),
        CheckConstraint(f"(active AND {one_of('state', ACTIVE_STATES)}) OR "
                        f"(NOT active AND {none_of('state', ACTIVE_STATES)})",
                        name="active_state"),
    )
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    line_id: int = fk("service_line.id", index=False)
    encounter_id: int = fk("encounter.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)  # no index: nothing looks placements up by
    state: str = choice("state", PLACEMENT_STATES)       # guarantor or agency alone, and every run
    active: bool = True                                  # inserts 100,000 rows (migration 0006)
    agency_id: int | None = fk("agency.id", nullable=True, index=False)
    reason: str = choice("reason", REASONS, default="rule")
    returned_mail: bool = False
    selected_date: dt.date
    posted_date: dt.date | None = None
    state_date: dt.date  # the business date it entered its state
    file_id: int | None = fk("agency_file.id", nullable=True, index=False)
    batch_no: int | None = None
    age_from: dt.date | None = None  # re-aged on denial: the line ages from this date instead
    reassigned_on: dt.date | None = None
    prev_state: str | None = Field(default=None, max_length=20)  # before the last change (for its history)
    prev_agency_id: int | None = fk("agency.id", nullable=True, index=False)
    last_run_id: int | None = fk("external_run.id", nullable=True, index=False)
    last_step: str | None = Field(default=None, max_length=20)
    version: int = 1


class ExternalWork(SQLModel, table=True):
    """Scratch rows of one nightly run's selection (deleted when the run ends): the lines each
    selection step's own rules chose before SPEC 14, read once, with the agency they qualify for
    and whether a SPEC 14 reason keeps them out. The step places the others; the run's tally
    asks only the kept-out ones which reason, instead of reading the practice's lines again."""
    __tablename__ = "external_work"
    run_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    reason: str = Field(max_length=20, sa_column_kwargs={"primary_key": True})
    line_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    encounter_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    guarantor_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    agency_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    returned_mail: bool = False
    kept_out: bool = False


class ExternalHistory(SQLModel, table=True):
    """Every state or agency change of a placement: append-only, written with the change."""
    __tablename__ = "external_history"
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    placement_id: int = fk("external_placement.id")
    run_id: int = fk("external_run.id")
    step: str = Field(max_length=20)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    from_agency_id: int | None = fk("agency.id", nullable=True, index=False)
    agency_id: int | None = fk("agency.id", nullable=True, index=False)
    amount_cents: int = cents()  # the line's open balance (A/R + collections) when it changed
    business_date: dt.date
    at: dt.datetime
    operator: str = Field(max_length=64)


class ExternalFile(SQLModel, table=True):
    """An agency file of the external workflow (the file itself is an agency_file record)."""
    __tablename__ = "external_file"
    __table_args__ = (UniqueConstraint("agency_file_id", name="uq_external_file_agency_file"),
                      UniqueConstraint("practice_id", "batch_no", name="uq_external_file_batch"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    agency_id: int = fk("agency.id")
    agency_file_id: int = fk("agency_file.id", index=False)
    run_id: int = fk("external_run.id", index=False)
    batch_no: int
    sent_at: dt.datetime | None = None
    sent_date: dt.date | None = None
    sent_by: str | None = Field(default=None, max_length=64)


class AgencyReturnImport(SQLModel, table=True):
    """One agency returns file imported: refused a second time (same bytes, same practice)."""
    __tablename__ = "agency_return_import"
    __table_args__ = (UniqueConstraint("practice_id", "sha256", name="uq_agency_return_import_sha"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    agency_id: int = fk("agency.id")
    run_id: int = fk("external_run.id", index=False)
    file_name: str = Field(max_length=500)
    sha256: str = Field(max_length=64)
    rows: int = 0
    payments: int = 0
    gross_cents: int = cents()
    fee_cents: int = cents()
    recalls: int = 0
    recall_cents: int = cents()
    closed: int = 0
    business_date: dt.date
    created_at: dt.datetime
    operator: str = Field(max_length=64)


class AgencyReturn(SQLModel, table=True):
    """One row of an agency returns file, as read and as matched to a placement."""
    __tablename__ = "agency_return"
    # the checks per placement within one import (core.external.returns.CHECKS); without it they
    # were quadratic: 75 s for 10,000 payments (migration 0019)
    __table_args__ = (Index("ix_agency_return_import_placement", "import_id", "placement_id", "record"),)
    id: int | None = pk()
    import_id: int = fk("agency_return_import.id")
    practice_id: int = fk("practice.id", index=False)
    line_no: int
    record: str = choice("record", RETURN_RECORDS)
    line_ref: str | None = Field(default=None, max_length=40)
    placement_ref: int | None = None
    placement_id: int | None = fk("external_placement.id", nullable=True, index=False)
    line_id: int | None = fk("service_line.id", nullable=True, index=False)
    date: dt.date
    gross_cents: int = cents()
    fee_cents: int = cents()
    reference: str | None = Field(default=None, max_length=60)
