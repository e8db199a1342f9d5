"""Agency exchange (SPEC 16): the database's identity, and the files agencies send back.

The identity is a short random id made once per database (at `init`); it is part of every file
name Recoup writes, so two databases writing into one folder never pick the same name. Each
incoming file (ack, returns, sync) is recorded once, by its checksum, so the same bytes are never
imported twice; its summary (counts, dollars, mismatches) stays as the record.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import cents, choice, fk, pk

OUT_KINDS = ("new", "update", "payment", "recall", "close", "sync")
IN_KINDS = ("ack", "returns", "sync")


class DatabaseIdentity(SQLModel, table=True):
    __tablename__ = "database_identity"
    __table_args__ = (UniqueConstraint("identity", name="uq_database_identity_identity"),)
    id: int | None = pk()
    identity: str = Field(max_length=16)
    created_at: dt.datetime


class ExchangeImport(SQLModel, table=True):
    """One incoming agency file, imported (or its discrepancies reported) once."""
    __tablename__ = "exchange_import"
    __table_args__ = (UniqueConstraint("practice_id", "sha256", name="uq_exchange_import_sha"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    agency_id: int = fk("agency.id")
    kind: str = choice("kind", IN_KINDS, length=10)
    file_name: str = Field(max_length=500)
    sha256: str = Field(max_length=64)
    rows: int = 0
    total_cents: int = cents()
    problems: int = 0
    summary: str | None = Field(default=None, sa_column=Column(Text))  # JSON: counts, dollars, mismatches
    business_date: dt.date
    created_at: dt.datetime
    operator: str = Field(max_length=64)


GUARANTOR_CHANGES = ("address", "returned_mail")
CHANGE_SOURCES = ("import", "edit")


class GuarantorChange(SQLModel, table=True):
    """A guarantor's address or returned-mail flag as it changed (append-only: a row is never
    changed or deleted), written in the transaction that changed the guarantor. The `update`
    exchange file tells agencies holding the guarantor's lines (SPEC 16); the first values a
    guarantor arrives with are not changes. `change` address: the new address (all five parts, as
    they stand after the change); returned_mail: the flag's new value."""
    __tablename__ = "guarantor_change"
    __table_args__ = (Index("ix_guarantor_change_practice", "practice_id", "business_date"),)
    id: int | None = pk()
    practice_id: int = fk("practice.id", index=False)
    guarantor_id: int = fk("guarantor.id", index=False)
    change: str = choice("change", GUARANTOR_CHANGES)
    address1: str | None = Field(default=None, max_length=120)
    address2: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=60)
    state: str | None = Field(default=None, max_length=20)
    zip: str | None = Field(default=None, max_length=12)
    returned_mail: bool | None = None
    source: str = choice("source", CHANGE_SOURCES, length=10)
    operator: str = Field(max_length=64)
    business_date: dt.date
    created_at: dt.datetime
