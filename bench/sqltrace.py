"""Time every SQL statement a piece of work runs (wall and CPU), for the benches' per-statement views.

    with Trace(engine) as tr:
        work()
    tr.top(10)

On SQLite the database works in this process, so a statement's CPU is the database's work; on
PostgreSQL CPU is only the client's share and wall is the figure to read. Statements are keyed by
their text with whitespace folded; `compare` lines two traces of the same work up statement by
statement (in the order they ran), to show which statement a change made dearer.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event


@dataclass
class Stmt:
    sql: str
    wall: float
    cpu: float


@dataclass
class Trace:
    engine: Any
    stmts: list[Stmt] = field(default_factory=list)

    def __enter__(self) -> Trace:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("_trace", []).append((time.perf_counter(), time.process_time()))

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        w, c = conn.info["_trace"].pop()
        self.stmts.append(Stmt(fold(statement), time.perf_counter() - w, time.process_time() - c))

    @property
    def cpu(self) -> float:
        return sum(s.cpu for s in self.stmts)

    def top(self, n: int = 10, width: int = 150, by: str = "cpu") -> list[str]:
        """The `n` dearest statements by CPU (SQLite's figure) or by wall time (PostgreSQL's)."""
        return [f"  {s.cpu * 1000:8.0f} ms CPU {s.wall * 1000:8.0f} ms wall  {s.sql[:width]}"
                for s in sorted(self.stmts, key=lambda s: -getattr(s, by))[:n]]


def fold(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def compare(bare: Trace, ruled: Trace, n: int = 8, width: int = 160) -> list[str]:
    """The statements whose CPU grew most with the rules, matched in the order they ran."""
    rows = []
    for i, (a, b) in enumerate(zip(bare.stmts, ruled.stmts, strict=False)):
        rows.append((b.cpu - a.cpu, i, a, b))
    out = [f"  statements: {len(bare.stmts)} without, {len(ruled.stmts)} with; CPU in statements "
           f"{bare.cpu:.2f} s without, {ruled.cpu:.2f} s with"]
    for delta, i, a, b in sorted(rows, key=lambda r: -r[0])[:n]:
        out.append(f"  #{i:<3} {a.cpu * 1000:7.0f} -> {b.cpu * 1000:7.0f} ms CPU (+{delta * 1000:.0f})  "
                   f"{b.sql[:width]}")
    return out
