"""The SQL the roster's set-based steps share, written once for SQLite and PostgreSQL.

Why a module of its own: "which lines are delinquent" and "which lines belong to another
workflow" must mean the same thing in populate, the reports and turnover, and the few places
where the two databases differ (day arithmetic) are kept here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Date, bindparam, inspect, text
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from core.uow import UnitOfWork


def run(uow: UnitOfWork, sql: str, **params: Any) -> Any:
    """Execute text SQL; dates bind as DATE, datetimes as aware UTC, lists as IN (...) expansions."""
    stmt = text(sql)
    used = {k: v for k, v in params.items() if re.search(rf"(?<![:\w]):{k}\b", sql)}
    typed = [bindparam(k, type_=UTCDateTime() if isinstance(v, dt.datetime) else Date)
             for k, v in used.items() if isinstance(v, dt.date)]
    typed += [bindparam(k, expanding=True) for k, v in used.items() if isinstance(v, (list, tuple))]
    if typed:
        stmt = stmt.bindparams(*typed)
    return uow.session.execute(stmt, used)


def days_between(uow: UnitOfWork, later: str, earlier: str) -> str:
    """Whole days from `earlier` to `later` (SQL expressions of DATE type)."""
    if uow.dialect == "postgresql":
        return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _table_exists(uow: UnitOfWork, name: str) -> bool:
    """True when the table is both a registered model and present in this database (areas are
    built in parallel: a model may land before its migration)."""
    return name in SQLModel.metadata.tables and inspect(uow.session.connection()).has_table(name)


def other_workflow_exclusions(uow: UnitOfWork, line: str = "l") -> list[str]:
    """SQL conditions (ANDed) that keep out a service line owned by another workflow.

    One balance, one workflow (SPEC section 2): a line already moved to collections, whose
    encounter is on the Pre-Collections list (or beyond), or that is pending or placed with an
    external agency, is not the roster's to chase. Another workflow adds its clause here; a
    clause is only used when its table exists.
    """
    clauses = [f"{line}.collections_cents = 0"]
    if _table_exists(uow, "precollection_task"):
        clauses.append(f"""NOT EXISTS (SELECT 1 FROM precollection_task pt
                           WHERE pt.encounter_id = {line}.encounter_id AND pt.on_list = TRUE)""")
    if _table_exists(uow, "external_placement"):
        clauses.append(f"""NOT EXISTS (SELECT 1 FROM external_placement xp
                           WHERE xp.line_id = {line}.id AND xp.active = TRUE)""")
    return clauses


def aging_anchor(basis: str, line: str = "l") -> str:
    """The date a line's balance ages from: posted (acct) or when it became the guarantor's."""
    if basis == "acct":
        return f"{line}.posted_date"
    return f"COALESCE({line}.responsibility_date, {line}.posted_date)"


def open_guarantor_lines(uow: UnitOfWork, suppress_by: str, line: str = "l") -> str:
    """WHERE conditions for a guarantor's open lines the roster may collect (any age).

    Parameter :p is the practice. By-transaction suppression drops lines whose own billing
    group suppresses collections.
    """
    conds = [f"{line}.practice_id = :p", f"{line}.responsibility = 'guarantor'", f"{line}.ar_cents > 0",
             *other_workflow_exclusions(uow, line)]
    if suppress_by == "transaction":
        conds.append(f"""({line}.billing_group IS NULL OR {line}.billing_group NOT IN
                         (SELECT bg.code FROM billing_group bg WHERE bg.practice_id = :p
                          AND bg.suppress_collections = TRUE))""")
    return " AND ".join(conds)


def delinquent_lines(uow: UnitOfWork, basis: str, suppress_by: str, line: str = "l") -> str:
    """WHERE conditions for delinquent lines: open, collectable, aged on or before :cutoff."""
    return f"{open_guarantor_lines(uow, suppress_by, line)} AND {aging_anchor(basis, line)} <= :cutoff"


def account_suppressed(guarantor: str = "g") -> str:
    """True when the guarantor's own billing group suppresses collections (by-account mode)."""
    return f"""({guarantor}.billing_group IS NOT NULL AND {guarantor}.billing_group IN
               (SELECT bg.code FROM billing_group bg WHERE bg.practice_id = {guarantor}.practice_id
                AND bg.suppress_collections = TRUE))"""


def as_date(value: Any) -> dt.date | None:
    """A DATE read through text SQL: SQLite hands back the ISO string, PostgreSQL a date."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
