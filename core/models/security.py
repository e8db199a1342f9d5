"""Operators and their roles."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from core.models.base import choice, pk
from core.roles import ROLES

__all__ = ["ROLES", "Operator", "RoleHistory", "SignInClient"]


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


class SignInClient(SQLModel, table=True):
    """Failed browser sign-ins from one client address (core.auth), whatever name was tried: the
    per-client limit, so one client can neither guess on forever nor keep an admin locked out."""
    __tablename__ = "sign_in_client"
    client: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    window_start: dt.datetime                   # the window of CLIENT_WINDOW_MINUTES these count in


class RoleHistory(SQLModel, table=True):
    """Append-only (SPEC 17): every operator's role and active flag as each change left them, written
    in the transaction that makes the change and covered by the audit chain. The operator table's
    role and active flag must equal the operator's newest row here (`recoup verify`)."""
    __tablename__ = "role_history"
    id: int | None = pk()
    operator: str = Field(max_length=64, index=True)   # whose role changed
    role: str = Field(max_length=16)
    active: bool
    action: str = Field(max_length=32)          # users.bootstrap, users.add, users.update, users.disable, ...
    changed_by: str = Field(max_length=64)      # the operator who made the change ("recoup" for the upgrade)
    at: dt.datetime
