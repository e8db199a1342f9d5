"""The federal poverty guidelines by year (SPEC 14's income exemption), kept by admins.

HHS publishes each year an amount for a household of one and an amount for each additional
person; a household of N is base + (N - 1) x per person. The guideline of a business date is the
latest year on file not after the date's year.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from core.models.base import pk


class PovertyGuideline(SQLModel, table=True):
    __tablename__ = "poverty_guideline"
    id: int | None = pk()
    year: int = Field(unique=True)
    base_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    per_person_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
