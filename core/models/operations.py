"""Operations: the lock-and-record row of every batch run the worker (or nightly) makes.

One row per practice, kind and business date. Inserting it is how a run claims its date: the
unique key makes a second claim fail on both SQLite and PostgreSQL, so two workers (or a worker
and an operator's `recoup nightly`) never run the same batch twice. The row stays as the record:
started, ended, outcome and counts (no patient data).

A claim taken by `recoup worker` carries a lease (`lease_until`): renewed while the worker works,
and once it has passed with the run still "running" another worker may take the claim over (the
worker was killed or its host went away). Operators' runs take no lease.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import choice, fk, pk

RUN_KINDS = ("external", "roster")
OUTCOMES = ("running", "done", "failed")


class RunLock(SQLModel, table=True):
    __tablename__ = "run_lock"
    __table_args__ = (UniqueConstraint("practice_id", "kind", "business_date", name="uq_run_lock_key"),
                      Index("ix_run_lock_running", "practice_id", "kind", "outcome"))
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    kind: str = choice("kind", RUN_KINDS)
    business_date: dt.date
    holder: str = Field(max_length=120)
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    outcome: str = choice("outcome", OUTCOMES, default="running")
    summary: str | None = Field(default=None, sa_column=Column(Text))  # JSON counts and dollars
    lease_until: dt.datetime | None = None   # a worker's claim: taken over once this has passed
