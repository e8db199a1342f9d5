"""Tallies (SPEC 14): what every batch considered, took, and left out, and why.

One `tally` row per batch (Pre-Collections add, external run, roster populate, letter print,
agency file, turnover) with its totals; `tally_count` holds the counts and dollars by reason left
out and by group taken (rule, state, status); `tally_account` holds the accounts each reason left
out, so that a reason opens its accounts long after the batch (the data has moved on since).
Written once, in the batch's own transaction; a rolled-back batch leaves no tally.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import cents, choice, fk, pk

TALLY_KINDS = ("precollections_add", "external_run", "roster_populate", "letters_print", "agency_file",
               "turnover")
SIDES = ("taken", "excluded")


class Tally(SQLModel, table=True):
    __tablename__ = "tally"
    __table_args__ = (Index("ix_tally_practice_kind", "practice_id", "kind", "business_date"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    kind: str = choice("kind", TALLY_KINDS, length=24)
    business_date: dt.date
    operator: str = Field(max_length=64)
    created_at: dt.datetime
    considered: int = 0
    considered_cents: int = cents()
    taken: int = 0
    taken_cents: int = cents()
    ref: str | None = Field(default=None, max_length=60)  # the batch's own record, e.g. "external_run 12"


class TallyCount(SQLModel, table=True):
    __tablename__ = "tally_count"
    __table_args__ = (UniqueConstraint("tally_id", "side", "code", name="uq_tally_count_code"),)
    id: int | None = pk()
    tally_id: int = fk("tally.id", index=False)
    side: str = choice("side", SIDES, length=10)
    code: str = Field(max_length=80)
    count: int = 0
    cents: int = cents()


class TallyAccount(SQLModel, table=True):
    __tablename__ = "tally_account"
    __table_args__ = (Index("ix_tally_account_code", "tally_id", "code", "id"),)
    id: int | None = pk()
    tally_id: int = fk("tally.id", index=False)
    code: str = Field(max_length=40)
    guarantor_id: int = fk("guarantor.id", index=False)
    encounter_id: int | None = fk("encounter.id", nullable=True, index=False)
    cents: int = cents()
