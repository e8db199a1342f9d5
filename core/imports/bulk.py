"""Many rows at a time, straight to the database driver.

The import's rows are already typed and checked, so they skip SQLAlchemy's per-parameter
processing (measured: about 2 s per 200,000 rows) and go to the driver in the form each back end
takes fastest, measured on 100,000 ledger rows:
- SQLite: multi-row INSERT ... VALUES statements of 500 rows. One row per execution re-prepares
  the table's CHECK ... IN (...) constraints every time (3 s per 200,000 rows, against 1.5 s).
- PostgreSQL: COPY for plain inserts (new rows, ledger postings), in the same transaction; the
  driver's executemany, which psycopg pipelines, for upserts (4.6 s per 100,000 rows, against
  14 s for 500-row statements, whose thousands of parameters are parsed and planned each time).
SQLite gets dates as ISO text, which is how SQLAlchemy stores them there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, Table

from core.audit_cover import SETTINGS
from core.imports.snapshot import chunks
from core.uow import UnitOfWork

PARAMETERS_PER_STATEMENT = 10_000  # well under SQLite's 32,766 and PostgreSQL's 65,535
ROWS_PER_STATEMENT = 500  # SQLite
BATCH = 10_000  # PostgreSQL: rows per executemany
ANALYZE_AFTER_ROWS = 10_000


def insert_many(uow: UnitOfWork, table: Table, columns: Sequence[str], rows: Iterable[dict[str, Any]],
                conflict: Sequence[str] = (), update: Sequence[str] = ()) -> None:
    """INSERT the rows' `columns`; with `conflict`, an upsert that takes `update` from the file's
    row and bumps the optimistic-lock version (the row changed under any screen holding it)."""
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    tail = _on_conflict(table, conflict, update)
    conn = uow.session.connection()
    values = _values_of(table, columns, uow.dialect)
    # COPY bypasses the statement hooks; a settings table (practices) takes the INSERT below, so the
    # audit chain sees this transaction write it (core.audit_cover.watch_settings)
    if uow.dialect != "sqlite" and not conflict and table.name not in SETTINGS:
        driver: Any = conn.connection.dbapi_connection  # psycopg's, in this transaction
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values(row))
        return
    if uow.dialect != "sqlite":
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for batch in chunks(rows, BATCH):
            conn.exec_driver_sql(head + one + tail, list(map(values, batch)))
        return
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    per = max(1, min(ROWS_PER_STATEMENT, PARAMETERS_PER_STATEMENT // len(columns)))
    statement = head + ", ".join([one] * per) + tail
    for batch in chunks(rows, per):
        sql = statement if len(batch) == per else head + ", ".join([one] * len(batch)) + tail
        conn.exec_driver_sql(sql, tuple(chain.from_iterable(map(values, batch))))


def _values_of(table: Table, columns: Sequence[str], dialect: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values for `columns`, as a tuple; on SQLite dates as ISO text (how SQLAlchemy stores them)."""
    get = itemgetter(*columns) if len(columns) > 1 else (lambda r: (r[columns[0]],))
    dates = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Date)]
    if dialect != "sqlite" or not dates:
        return get

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        out = list(get(row))
        for i in dates:
            if out[i] is not None:
                out[i] = out[i].isoformat()
        return tuple(out)
    return values


def analyze_if_large(uow: UnitOfWork, rows: int, *tables: str) -> None:
    """On PostgreSQL, refresh the planner's statistics after a large load, before the set-based
    balance refresh reads the new rows: with statistics of the empty tables the planner picks
    plans that are quadratic in the rows just loaded."""
    if uow.dialect == "postgresql" and rows >= ANALYZE_AFTER_ROWS:
        uow.session.connection().exec_driver_sql(f"ANALYZE {', '.join(tables)}")


def _on_conflict(table: Table, conflict: Sequence[str], update: Sequence[str]) -> str:
    if not conflict:
        return ""
    sets = [f"{c} = excluded.{c}" for c in update]
    if "version" in table.c:
        sets.append(f"version = {table.name}.version + 1")
    return f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {', '.join(sets)}"
