"""Operators and their roles."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from core.models.base import choice, pk
from core.roles import ROLES

__all__ = ["ROLES", "Operator"]


class Operator(SQLModel, table=True):
    id: int | None = pk()
    name: str = Field(max_length=64, unique=True)
    role: str = choice("role", ROLES, default="viewer")
    active: bool = True
    created_at: dt.datetime
    created_by: str = Field(max_length=64)
    password_hash: str | None = Field(default=None, max_length=200)
    version: int = 1
    failed_logins: int = 0                      # browser sign-in failures in a row (core.auth)
    locked_until: dt.datetime | None = None     # signed-in access refused until then
