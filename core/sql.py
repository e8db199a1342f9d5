"""Raw set-based SQL with typed parameters, the same on SQLite and PostgreSQL.

Batch paths are written as SQL text (INSERT ... SELECT, UPDATE ... WHERE). Dates, timestamps and
lists need the right bind types to behave alike on both databases (SQLite stores dates as text;
a list becomes an expanding IN), so every statement is built through `q`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlalchemy.sql.elements import TextClause
from sqlmodel.sql.sqltypes import UTCDateTime

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def q(statement: str, params: dict[str, Any] | None = None) -> TextClause:
    """`text(statement)` with every :name in it bound to params[name], typed by its value."""
    params = params or {}
    binds = []
    for name in dict.fromkeys(_PARAM.findall(statement)):
        value = params[name]
        if isinstance(value, dt.datetime):
            binds.append(bindparam(name, value, type_=UTCDateTime()))
        elif isinstance(value, dt.date):
            binds.append(bindparam(name, value, type_=Date()))
        elif isinstance(value, (list, tuple, set, frozenset)):
            binds.append(bindparam(name, list(value), expanding=True))
        else:
            binds.append(bindparam(name, value))
    return text(statement).bindparams(*binds)


def as_date(value: Any) -> dt.date | None:
    """A date read through raw SQL (SQLite hands back ISO text, PostgreSQL a date)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
