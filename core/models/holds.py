"""Holds (SPEC 14): a pause on collecting a guarantor's lines, or one encounter's, for a reason.

Append-only. A hold is never edited or deleted: it is ended early by a release record, and both
tables refuse UPDATE and DELETE at the database level (migration 0014). The guarantor is stored
for encounter holds too, so "is any of this guarantor's lines held" is one index lookup.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import choice, fk, pk

HOLD_KINDS = ("dispute", "appeal", "insurance_pending", "fap", "bankruptcy", "deceased", "promise", "practice")


class Hold(SQLModel, table=True):
    __tablename__ = "hold"
    __table_args__ = (
        Index("ix_hold_guarantor", "guarantor_id", "start_date"),
        Index("ix_hold_practice", "practice_id", "start_date"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    encounter_id: int | None = fk("encounter.id", nullable=True)  # None: every line of the guarantor
    kind: str = choice("kind", HOLD_KINDS)
    start_date: dt.date
    end_date: dt.date | None = None  # the last held day; None: until released
    reason: str = Field(max_length=500)
    operator: str = Field(max_length=64)
    business_date: dt.date
    created_at: dt.datetime


class HoldRelease(SQLModel, table=True):
    """Ends a hold: `released_on` is the first day that is no longer held."""
    __tablename__ = "hold_release"
    __table_args__ = (UniqueConstraint("hold_id", name="uq_hold_release_hold"),)
    id: int | None = pk()
    hold_id: int = fk("hold.id", index=False)
    released_on: dt.date
    reason: str = Field(max_length=500)
    operator: str = Field(max_length=64)
    business_date: dt.date
    created_at: dt.datetime
