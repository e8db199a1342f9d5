"""Raw set-based SQL with typed parameters, the same on SQLite and PostgreSQL.

Batch paths are written as SQL text (INSERT ... SELECT, UPDATE ... WHERE). Dates, timestamps and
lists need the right bind types to behave alike on both databases (SQLite stores dates as text;
a list becomes an expanding IN), so every statement is built through `q` (or run by `execute`,
which is `q` handed to the session). The few places where the two dialects differ in SQL text
(day arithmetic) are here too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, Date, Result, bindparam, text
from sqlalchemy.sql.elements import BindParameter, TextClause
from sqlmodel.sql.sqltypes import UTCDateTime

from core.uow import UnitOfWork

_PARAM = re.compile(r"(?<![:\w]):(\w+)")
INT4_MAX = 2**31 - 1


def q(statement: str, params: dict[str, Any] | None = None) -> TextClause:
    """`text(statement)` with every :name in it bound to params[name], typed by its value."""
    params = params or {}
    binds: list[BindParameter[Any]] = []
    for name in dict.fromkeys(_PARAM.findall(statement)):
        value = params[name]
        if isinstance(value, dt.datetime):
            binds.append(bindparam(name, value, type_=UTCDateTime()))
        elif isinstance(value, dt.date):
            binds.append(bindparam(name, value, type_=Date()))
        elif isinstance(value, (list, tuple, set, frozenset)):
            binds.append(bindparam(name, list(value), expanding=True))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT4_MAX:
            # PostgreSQL: an int binds as ::INTEGER, and a sum of cents over a large practice
            # (a tally's $21.5 million and up) does not fit one
            binds.append(bindparam(name, value, type_=BigInteger()))
        else:
            binds.append(bindparam(name, value))
    return text(statement).bindparams(*binds)


def widest(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The parameters to type an executemany's statement by (q types by value): each name's
    value from the first row, but for integers the one of largest magnitude, so a big row later
    in the batch is not bound as a 32-bit INTEGER on PostgreSQL."""
    out = dict(rows[0])
    for row in rows[1:]:
        for name, value in row.items():
            if isinstance(value, int) and isinstance(out.get(name), int) and abs(value) > abs(out[name]):
                out[name] = value
    return out


def rowcount(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE changed. Session.execute is typed to return a
    Result; for those statements it is a CursorResult, which is what carries the count."""
    return int(cast(CursorResult[Any], result).rowcount)


def execute(uow: UnitOfWork, statement: str, **params: Any) -> Any:
    """Run `q(statement, params)` in the unit of work's session and return its SQLAlchemy result
    (parameters the statement does not name are ignored, so a step can pass its whole set)."""
    return uow.session.execute(q(statement, params))


def days_between(uow: UnitOfWork, later: str, earlier: str) -> str:
    """SQL for the whole days from `earlier` to `later` (SQL expressions of DATE type)."""
    if uow.dialect == "postgresql":
        return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def as_date(value: Any) -> dt.date | None:
    """A date read through raw SQL (SQLite hands back ISO text, PostgreSQL a date)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
