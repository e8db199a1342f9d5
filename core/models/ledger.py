"""The facts of a practice's receivables and the double-entry ledger over them.

Every amount that moves is a transaction (`LedgerTxn`) that takes its amount out of one bucket and
puts it into another, so the buckets always sum to zero: a charge moves from "charge" into "ar", a
payment from "ar" into "paid", a transfer to collections from "ar" into "collections". Balances are
sums of transactions; the balance columns on lines, encounters and guarantors are caches that
`core.ledger` recomputes in the same database transaction and `recoup verify` checks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from core.models.base import cents, choice, fk, pk

# The practice (and roster) setting: "patient" ages a balance from the day it became the
# guarantor's (the posted date when it was the guarantor's from the start), "acct" from posting.
# What the anchor is for each lives in core.eligibility.aging_anchor.
AGING_BASES = ("patient", "acct")
GUARANTOR_KINDS = ("patient", "employer")
INSURANCE_STATUSES = ("open", "closed", "appeal")
RESPONSIBILITIES = ("guarantor", "insurance")
TXN_KINDS = ("charge", "payment", "adjustment", "write_off", "collection_fee", "transfer")
TXN_SOURCES = ("patient", "insurance", "employer", "agency", "other", "system")
# charge: what was billed (its balance is minus the total billed); paid / adjusted / written_off:
# where money went; ar / collections: where the open balance is reported.
# SPEC 15.3: what a placed debt's itemization date is (a practice setting)
ITEMIZATION_BASES = ("last_statement", "placement", "last_payment", "service")
BUCKETS = ("charge", "paid", "adjusted", "written_off", "ar", "collections")


class Practice(SQLModel, table=True):
    id: int | None = pk()
    source_id: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    employer_collections: bool = False
    precollections_on: bool = True
    external_on: bool = True
    roster_on: bool = True
    aging_basis: str = choice("aging_basis", AGING_BASES, default="patient")
    write_off_code: str = Field(default="WO", max_length=10)
    # SPEC 14: a line is not collectable while its encounter's insurance is still open (0015)
    wait_for_insurance: bool = True
    # SPEC 14: household income under this % of the poverty guideline is never placed or turned over
    income_threshold_pct: int | None = None
    rules_at: dt.datetime | None = None  # last change of the two rules above (a trigger: 0016)
    # SPEC 15 (migration 0021): a non-profit hospital under IRS 501(r), and its plain-language
    # summary of the financial-assistance policy (printed on the ECA notice)
    nonprofit_501r: bool = False
    eca_rules_at: dt.datetime | None = None  # last change of nonprofit_501r (a trigger: 0022_compliance2)
    fap_summary: str | None = Field(default=None, max_length=2000)
    # SPEC 15.3: the date a placed debt is itemized from (locked at its first placement)
    itemization_basis: str = choice("itemization_basis", ITEMIZATION_BASES, default="placement")
    # SPEC 15.4: a debt first placed under this amount is never reported; or none at all
    credit_report_min_cents: int = cents(default=50_000)
    no_medical_credit_reporting: bool = False
    # the practice profile every letter carries (SPEC 15, migration 0020): where to write, call and pay
    address1: str | None = Field(default=None, max_length=120)
    address2: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=60)
    state: str | None = Field(default=None, max_length=20)
    zip: str | None = Field(default=None, max_length=12)
    phone: str | None = Field(default=None, max_length=30)
    remit_to: str | None = Field(default=None, max_length=200)  # payments go here; blank: the address above
    letter_due_days: int = 30  # a letter's due date is its date plus these days
    version: int = 1


class Guarantor(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("practice_id", "source_id", name="uq_guarantor_source"),
                      Index("ix_guarantor_practice_name", "practice_id", "name"),
                      # the guarantor list's balance sorts, in keyset order (sort value, id): 0010
                      *(Index(f"ix_guarantor_sort_{c}", "practice_id", f"{c}_cents", "id")
                        for c in ("ar", "ins_ar", "collections", "escrow")))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    source_id: str = Field(max_length=40)
    kind: str = choice("kind", GUARANTOR_KINDS, default="patient")
    name: str = Field(max_length=120)
    birth_date: dt.date | None = None
    address1: str | None = Field(default=None, max_length=120)
    address2: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=60)
    state: str | None = Field(default=None, max_length=20)
    zip: str | None = Field(default=None, max_length=12)
    phone: str | None = Field(default=None, max_length=30)
    billing_group: str | None = Field(default=None, max_length=20)
    returned_mail: bool = False
    internal_comment: str | None = Field(default=None, max_length=500)
    dunning_level: int = 0
    # protections (SPEC 14, migration 0015): who letters go to, and who may not be collected at all
    date_of_death: dt.date | None = None
    responsible_party_name: str | None = Field(default=None, max_length=120)  # or the estate's representative
    responsible_party_address: str | None = Field(default=None, max_length=200)
    bankruptcy_filed: dt.date | None = None
    bankruptcy_chapter: str | None = Field(default=None, max_length=4)
    bankruptcy_case: str | None = Field(default=None, max_length=40)
    household_income_cents: int | None = cents(default=None, nullable=True)  # a year's income
    household_size: int | None = None
    protections_at: dt.datetime | None = None  # last change of a protection fact (a trigger: 0016)
    version: int = 1
    # caches of the ledger (guarantor-responsibility A/R, insurance A/R, collections, unapplied)
    ar_cents: int = cents()
    ins_ar_cents: int = cents()
    collections_cents: int = cents()
    escrow_cents: int = cents()


class Encounter(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("practice_id", "source_id", name="uq_encounter_source"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    source_id: str = Field(max_length=40)
    guarantor_id: int = fk("guarantor.id")
    patient_name: str | None = Field(default=None, max_length=120)
    dos: dt.date
    case_id: str | None = Field(default=None, max_length=40)
    statement_profile: str | None = Field(default=None, max_length=40)
    dunning_count: int = 0
    statements_sent: int = 0
    insurance_status: str | None = choice("insurance_status", INSURANCE_STATUSES, nullable=True, length=10)
    insurance_at: dt.datetime | None = None  # last change of insurance_status (a trigger: 0016)
    version: int = 1
    ar_cents: int = cents()
    ins_ar_cents: int = cents()
    collections_cents: int = cents()


# the open guarantor lines as Pre-Collections reads them (core.eligibility.open_guarantor_line with
# counting_collections; the statement's text must match this for the planner to use it): a partial index
_OPEN_GUARANTOR = "responsibility = 'guarantor' AND ar_cents + collections_cents > 0"


class ServiceLine(SQLModel, table=True):
    __tablename__ = "service_line"
    __table_args__ = (UniqueConstraint("practice_id", "source_id", name="uq_service_line_source"),
                      Index("ix_service_line_open_anchor", "encounter_id", "responsibility", "ar_cents",  # 0005
                            "collections_cents", "posted_date", "responsibility_date"),
                      Index("ix_service_line_open_guarantor", "encounter_id", "responsibility", "ar_cents",  # 0009
                            "collections_cents", "posted_date", "responsibility_date",
                            sqlite_where=text(_OPEN_GUARANTOR), postgresql_where=text(_OPEN_GUARANTOR)))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    source_id: str = Field(max_length=40)
    encounter_id: int = fk("encounter.id")
    guarantor_id: int = fk("guarantor.id")
    dos: dt.date
    case_id: str | None = Field(default=None, max_length=40)
    procedure_code: str | None = Field(default=None, max_length=20)
    amount_cents: int = cents()
    posted_date: dt.date
    responsibility: str = choice("responsibility", RESPONSIBILITIES, default="guarantor")
    responsibility_date: dt.date | None = None
    billing_group: str | None = Field(default=None, max_length=20)
    version: int = 1
    ar_cents: int = cents()
    collections_cents: int = cents()


class Journal(SQLModel, table=True):
    """One operation that moved money: an import, an apply, a run. Groups its transactions."""
    id: int | None = pk()
    practice_id: int | None = fk("practice.id", nullable=True, index=False)
    kind: str = Field(max_length=40)
    operator: str = Field(max_length=64)
    business_date: dt.date
    created_at: dt.datetime
    # control totals written with the transactions, so an amount edited later is caught
    txn_count: int = 0
    total_cents: int = cents()


class LedgerTxn(SQLModel, table=True):
    """A charge, payment, adjustment, write-off, collection fee or transfer: amount_cents moves
    from bucket_from to bucket_to, on one line or (line_id NULL) on the guarantor as escrow."""
    __tablename__ = "ledger_txn"
    __table_args__ = (UniqueConstraint("practice_id", "source_id", name="uq_ledger_txn_source"),
                      Index("ix_ledger_txn_line", "line_id"),
                      Index("ix_ledger_txn_journal_line", "journal_id", "line_id"),  # 0011
                      CheckConstraint("bucket_from <> bucket_to", name="two_buckets"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    journal_id: int = fk("journal.id", index=False)
    source_id: str | None = Field(default=None, max_length=40)
    guarantor_id: int = fk("guarantor.id")
    line_id: int | None = fk("service_line.id", nullable=True, index=False)
    date: dt.date
    kind: str = choice("kind", TXN_KINDS)
    source: str = choice("source", TXN_SOURCES, default="other")
    bucket_from: str = choice("bucket_from", BUCKETS)
    bucket_to: str = choice("bucket_to", BUCKETS)
    amount_cents: int = cents()
    adjustment_code: str | None = Field(default=None, max_length=10)
    memo: str | None = Field(default=None, max_length=200)


class Statement(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("practice_id", "source_id", name="uq_statement_source"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    source_id: str = Field(max_length=40)
    guarantor_id: int = fk("guarantor.id")
    encounter_id: int | None = fk("encounter.id", nullable=True)
    date: dt.date
    dunning_level: int = 0
