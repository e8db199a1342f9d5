"""The facts compliance rules are decided from (SPEC 15): calls, ECA notices, financial-assistance
applications, time zones by state, and what a debt looked like when it was first placed.

Why facts and not flags: Regulation F, the credit bureaus and IRS 501(r) all ask "what happened,
and when" (a call within 7 days, a notice 30 days before, a debt first placed under $500), so
each rule reads these rows on the business date instead of a status someone must keep current.
Printed letters are mail contacts too; they stay in letter_queue and are read from there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import cents, choice, fk, pk

CALL_OUTCOMES = ("no_answer", "left_message", "wrong_number", "conversation")
FAP_DECISIONS = ("pending", "approved", "denied")
PLACED_BY = ("external", "roster")
FAP_MISSING_LEN = 500


class ContactLog(SQLModel, table=True):
    """One call about a guarantor's debt. `flags` names the Regulation F warnings the operator
    saved through (comma-separated codes of core.contacts.WARNINGS), empty when none."""
    __tablename__ = "contact_log"
    __table_args__ = (Index("ix_contact_log_guarantor", "guarantor_id", "call_date"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    outcome: str = choice("outcome", CALL_OUTCOMES)
    called_at: dt.datetime          # UTC
    call_date: dt.date              # the day in the guarantor's time zone
    flags: str = Field(default="", max_length=100)
    note: str | None = Field(default=None, max_length=500)
    operator: str = Field(max_length=64)
    business_date: dt.date
    created_at: dt.datetime


class StateTimeZone(SQLModel, table=True):
    """The time zone calling hours are judged in, by the guarantor's state (admin table; the
    migration loads the US states, DC and territories, each at its most populous zone)."""
    __tablename__ = "state_time_zone"
    id: int | None = pk()
    state: str = Field(max_length=20, unique=True)
    time_zone: str = Field(max_length=60)


class EcaNotice(SQLModel, table=True):
    """An "ECA notice" letter printed for a guarantor (SPEC 15.5 (b))."""
    __tablename__ = "eca_notice"
    __table_args__ = (Index("ix_eca_notice_guarantor", "guarantor_id", "printed_date"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    printed_date: dt.date
    deadline: dt.date
    action: str = Field(max_length=200)
    file_name: str = Field(max_length=500)
    operator: str = Field(max_length=64)
    created_at: dt.datetime


class FapApplication(SQLModel, table=True):
    """A financial-assistance application of a guarantor (SPEC 15.5)."""
    __tablename__ = "fap_application"
    __table_args__ = (Index("ix_fap_application_guarantor", "guarantor_id", "received_date"),
                      CheckConstraint("discount_bp IS NULL OR (discount_bp >= 0 AND discount_bp <= 10000)",
                                      name="discount_range"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    received_date: dt.date
    complete: bool = False
    decision: str = choice("decision", FAP_DECISIONS, default="pending", length=10)
    discount_bp: int | None = None
    decided_date: dt.date | None = None
    hold_id: int | None = fk("hold.id", nullable=True, index=False)
    journal_id: int | None = fk("journal.id", nullable=True, index=False)
    adjusted_cents: int | None = cents(default=None, nullable=True)  # the discount posted (code FAP)
    refund_cents: int | None = cents(default=None, nullable=True)    # paid above the new balance
    operator: str = Field(max_length=64)
    created_at: dt.datetime
    version: int = 1


class FapLetter(SQLModel, table=True):
    """The "missing information" letter of an incomplete financial-assistance application (SPEC
    15.5): one per application, queued with what is missing and printed by the letters print run
    (core.roster.letters), which sets the date the patient is asked to reply by. A letter whose
    application was completed or decided before it printed is superseded, never printed."""
    __tablename__ = "fap_letter"
    __table_args__ = (UniqueConstraint("application_id", name="uq_fap_letter_application"),
                      Index("ix_fap_letter_practice_printed", "practice_id", "printed_date"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    application_id: int = fk("fap_application.id", index=False)
    missing: str = Field(max_length=FAP_MISSING_LEN)  # what is missing, items separated by ";" or new lines
    queued_date: dt.date
    queued_by: str = Field(max_length=64)
    printed_date: dt.date | None = None
    printed_by: str | None = Field(default=None, max_length=64)
    respond_by: dt.date | None = None   # set when printed: the letter date + core.fap.REPLY_DAYS
    superseded_date: dt.date | None = None
    file_id: int | None = fk("roster_file.id", nullable=True, index=False)
    version: int = 1


class PlacedDebt(SQLModel, table=True):
    """An encounter's debt as it stood at its first placement or turnover, locked then: the
    itemization date and balance (SPEC 15.3) and what the credit-reporting guard needs (15.4)."""
    __tablename__ = "placed_debt"
    __table_args__ = (UniqueConstraint("encounter_id", name="uq_placed_debt_encounter"),
                      Index("ix_placed_debt_practice", "practice_id", "first_placed"),
                      Index("ix_placed_debt_guarantor", "guarantor_id"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    encounter_id: int = fk("encounter.id", index=False)
    placed_by: str = choice("placed_by", PLACED_BY, length=10)
    first_placed: dt.date
    first_placed_cents: int = cents()
    first_delinquency: dt.date
    itemization_basis: str = Field(max_length=20)
    itemization_date: dt.date
    itemization_cents: int = cents()
    closed_date: dt.date | None = None
    close_reason: str | None = Field(default=None, max_length=40)
