"""The append-only audit trail, chained and signed with a key kept outside the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from core.models.base import pk


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    id: int | None = pk()
    at: dt.datetime
    business_date: dt.date | None = None
    operator: str = Field(max_length=64, index=True)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    record_ids: str = Field(default="", sa_column=Column(Text, nullable=False))
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    key_id: str | None = Field(default=None, max_length=16)  # None: written before the chain was keyed
    covers: str | None = Field(default=None, sa_column=Column(Text))  # JSON: core.audit_cover ranges
