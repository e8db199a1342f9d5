"""Encounter collections (SPEC section 3): the Pre-Collections task list, its history, its runs,
collection agencies and the files sent to them.

A task is the one row an encounter ever has on the list: its task number is fixed the first time
the encounter is added and kept for good, also when it leaves the list and comes back. Leaving
the list is a state (removed, written off, dropped by a Clear rebuild, ...), never a delete, so
the number cannot be reused and the history keeps pointing at the same row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.agencies import FILE_FORMATS
from core.models.base import cents, choice, fk, none_of, one_of, pk
from core.models.exchange import OUT_KINDS

# On the list: pre (Pre-Collections), not_sent (In Collections/Not Sent), sent (In Collections/Sent).
# Off the list: removed (Remove from Pre-Collections), written_off, returned (an employer's
# Not Sent encounter removed from collections, back in A/R), withdrawn (an employer's Sent
# encounter taken off the list; the agency still holds it), dropped (left out by a Clear rebuild).
ON_LIST_STATES = ("pre", "not_sent", "sent")
OFF_LIST_STATES = ("removed", "written_off", "returned", "withdrawn", "dropped")
TASK_STATES = ON_LIST_STATES + OFF_LIST_STATES
ACTIONS = ("send-to-collections", "remove", "write-off", "remove-from-pending", "send-to-agency",
           "remove-from-collections")
RUN_KINDS = ("build", "set_action", "apply", "send", "spreadsheet")



class PrecollectionRun(SQLModel, table=True):
    """One operation on the list: a build (with its criteria, for Explain), an apply, a send..."""
    __tablename__ = "precollection_run"
    __table_args__ = (Index("ix_precollection_run_practice_kind", "practice_id", "kind", "id"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    kind: str = choice("kind", RUN_KINDS)
    operator: str = Field(max_length=64)
    business_date: dt.date
    created_at: dt.datetime
    criteria: str | None = Field(default=None, sa_column=Column(Text))  # JSON, builds only
    journal_id: int | None = fk("journal.id", nullable=True, index=False)
    summary: str | None = Field(default=None, sa_column=Column(Text))  # JSON counts and dollars


class PrecollectionWork(SQLModel, table=True):
    """Scratch rows of one list build (deleted when it ends): every encounter its criteria match
    before SPEC 14, read once, with whether a SPEC 14 reason keeps it off the list, so the build
    brings back, adds and tallies from these rows instead of matching the encounters three times."""
    __tablename__ = "precollection_work"
    run_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    encounter_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    guarantor_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    cents: int = cents()
    kept_out: bool = False


class PrecollectionTask(SQLModel, table=True):
    """An encounter's place on the Pre-Collections list, with the action set on it."""
    __tablename__ = "precollection_task"
    __table_args__ = (
        UniqueConstraint("encounter_id", "practice_id", name="uq_precollection_task_encounter"),
        UniqueConstraint("practice_id", "task_no", name="uq_precollection_task_number"),
        Index("ix_precollection_task_list", "practice_id", "on_list", "state", "task_no"),
        Index("ix_precollection_task_state", "practice_id", "on_list", "state", "encounter_id", "state_date"),  # 0005
        CheckConstraint(f"(on_list AND {one_of('state', ON_LIST_STATES)}) OR "
                        f"(NOT on_list AND {none_of('state', ON_LIST_STATES)})",
                        name="on_list_state"),
    )
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    task_no: int
    encounter_id: int = fk("encounter.id", index=False)
    guarantor_id: int = fk("guarantor.id")
    on_list: bool = True
    state: str = choice("state", TASK_STATES, default="pre")
    action: str | None = choice("action", ACTIONS, nullable=True, length=30)
    action_by: str | None = Field(default=None, max_length=64)
    state_date: dt.date  # the business date it entered its state (days in state count from it)
    agency_id: int | None = fk("agency.id", nullable=True)
    batch_no: int | None = None
    sent_at: dt.datetime | None = None
    run_id: int | None = fk("precollection_run.id", nullable=True, index=False)  # last run that changed it
    version: int = 1


class PrecollectionHistory(SQLModel, table=True):
    """Every state change of a task: append-only, written in the transaction that made it."""
    __tablename__ = "precollection_history"
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    task_id: int = fk("precollection_task.id")
    encounter_id: int = fk("encounter.id", index=False)
    run_id: int = fk("precollection_run.id")
    from_state: str | None = Field(default=None, max_length=20)  # None: first added
    to_state: str = Field(max_length=20)
    action: str | None = Field(default=None, max_length=30)  # None: a list build or a rebuild drop
    amount_cents: int = cents()  # the encounter's balance when it changed
    agency_id: int | None = fk("agency.id", nullable=True, index=False)
    batch_no: int | None = None
    business_date: dt.date
    at: dt.datetime
    operator: str = Field(max_length=64)


class AgencyFile(SQLModel, table=True):
    """A spreadsheet or CSV written for an agency: what went out, how much, and its checksum."""
    __tablename__ = "agency_file"
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    agency_id: int = fk("agency.id")
    run_id: int | None = fk("precollection_run.id", nullable=True, index=False)
    batch_no: int | None = None  # None: an extract that did not mark the items Sent
    file_format: str = choice("file_format", FILE_FORMATS, length=10)
    path: str = Field(max_length=500)
    rows: int = 0
    total_cents: int = cents()
    sha256: str = Field(max_length=64)
    operator: str = Field(max_length=64)
    business_date: dt.date
    created_at: dt.datetime
    # SPEC 16: what the file carries (a placement file is "new"), and for the change files the
    # last ledger or history id it covered, so the next file of that kind starts after it.
    kind: str = choice("kind", OUT_KINDS, default="new", length=10)
    through_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
