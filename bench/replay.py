"""A like-for-like floor for any batch: the rows it wrote, written again bare.

Issue 20 asks every floor to do the same work as the product, no more and no less. For a batch
whose writes are spread over several tables (the roster populate: accounts entered and moved,
history, letters, notes, fee transfers, plans, the run record), the plainest honest floor is to
write exactly those rows with one set-based statement per table:

  1. rehearse the batch on a unit of work that rolls back (the nightly preview's), reading, before
     it and inside it, every row of the tables it may write: new rows and changed rows are what
     it wrote (its scratch tables, emptied before it ends, leave nothing);
  2. load those rows into temporary tables (not timed);
  3. time, in one transaction that is rolled back: per table, one INSERT ... SELECT of its new rows
     and one UPDATE ... FROM of its changed rows (only the columns that changed).

The product does more than write (it reads balances, decides, checks rules): the ratio is what
that costs on top of its unavoidable writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from bench.precollections import Clock, timed
from db.uow import SqlUnitOfWork


@dataclass
class Written:
    """What one table got: new rows and changed rows (full rows, by id), and the changed columns."""
    columns: list[str]
    new: list[tuple[Any, ...]] = field(default_factory=list)
    changed: list[tuple[Any, ...]] = field(default_factory=list)
    changed_columns: set[str] = field(default_factory=set)

    @property
    def rows(self) -> int:
        return len(self.new) + len(self.changed)


def _read(session, table: str, where: str, params: dict[str, Any]) -> tuple[list[str], dict[Any, tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    result = session.execute(text(f"SELECT * FROM {table} WHERE {where}"), params)
    columns = list(result.keys())
    at = columns.index("id")
    return columns, {row[at]: tuple(row) for row in result}


def rehearse(engine: Engine, tables: dict[str, str], params: dict[str, Any],
             batch: Callable[[SqlUnitOfWork], object]) -> dict[str, Written]:
    """Run `batch` on a rolled-back unit of work; `tables` maps each table it may write, parents
    before children, to the condition that bounds what to compare: its practice for a table the
    batch updates, `id > :<table>_max` (see `maxima`) for an append-only one."""
    with SqlUnitOfWork(engine) as u:
        before = {t: _read(u.session, t, where, params)[1] for t, where in tables.items()}
    out: dict[str, Written] = {}
    with SqlUnitOfWork(engine, rehearsal=True) as u:
        batch(u)
        for table, where in tables.items():
            columns, after = _read(u.session, table, where, params)
            w = Written(columns)
            old = before[table]
            for key, row in after.items():
                if key not in old:
                    w.new.append(row)
                elif row != old[key]:
                    w.changed.append(row)
                    w.changed_columns.update(c for c, a, b in zip(columns, row, old[key], strict=True) if a != b)
            out[table] = w
    return out


def maxima(engine: Engine, tables: list[str]) -> dict[str, int]:
    """Each table's highest id now: the bound of an append-only table's new rows."""
    with SqlUnitOfWork(engine) as u:
        return {f"{t}_max": int(u.session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {t}")).scalar_one())
                for t in tables}


def floor(engine: Engine, written: dict[str, Written]) -> Clock:
    """The same rows written bare, one statement per table and kind, rolled back."""
    with SqlUnitOfWork(engine) as u:
        s = u.session
        work: list[str] = []
        for table, w in written.items():
            cols = ", ".join(w.columns)
            marks = ", ".join(f":c{i}" for i in range(len(w.columns)))
            for kind, rows in (("new", w.new), ("changed", w.changed)):
                if not rows:
                    continue
                temp = f"bench_{kind}_{table}"
                s.execute(text(f"CREATE TEMP TABLE {temp} AS SELECT {cols} FROM {table} WHERE 1 = 0"))
                s.execute(text(f"INSERT INTO {temp} ({cols}) VALUES ({marks})"),
                          [{f"c{i}": v for i, v in enumerate(r)} for r in rows])
                if kind == "new":
                    work.append(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {temp}")
                else:
                    sets = ", ".join(f"{c} = s.{c}" for c in w.columns if c in w.changed_columns)
                    s.execute(text(f"CREATE UNIQUE INDEX {temp}_id ON {temp} (id)"))
                    work.append(f"UPDATE {table} SET {sets} FROM {temp} s WHERE {table}.id = s.id")
        return timed(lambda: [s.execute(text(sql)) for sql in work])


def describe(written: dict[str, Written]) -> str:
    return ", ".join(f"{t} +{len(w.new):,}/~{len(w.changed):,}" for t, w in written.items() if w.rows)
