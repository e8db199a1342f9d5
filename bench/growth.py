"""How a batch's cost grows with size (issue 20 item 8): time per 1,000 rows at each size, and
whether any step from one size to the next grows faster than linear.

A benchmark adds one point per size and series (a series is one batch measured at several sizes)
and prints `report()` at the end. Judged on CPU time on SQLite, which does all its work in the
benchmark's own process and is less swayed by a shared machine's load than wall time; on
PostgreSQL, whose server's work this process's CPU time does not see, on wall time. A step may
cost up to GROWTH times the one before it (noise); more than that is growth faster than linear.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

GROWTH = 1.25


@dataclass(frozen=True)
class Point:
    size: str
    rows: int
    wall: float
    cpu: float


@dataclass
class Growth:
    judged: str                      # "cpu" (SQLite) or "wall" (PostgreSQL)
    series: dict[str, list[Point]] = field(default_factory=dict)

    @classmethod
    def for_dialect(cls, dialect: str) -> Growth:
        return cls("cpu" if dialect == "sqlite" else "wall")

    def add(self, series: str, size: str, rows: int, wall: float, cpu: float) -> None:
        self.series.setdefault(series, []).append(Point(size, rows, wall, cpu))

    def report(self) -> bool:
        """Print each series measured at two sizes or more; True when no judged step grows too fast."""
        ok = True
        grown = {name: points for name, points in self.series.items() if len(points) > 1}
        if grown:
            print(f"\ngrowth, ms per 1,000 rows from one size to the next (goal: no step more than {GROWTH:g}x "
                  f"the one before, i.e. linear; judged on {self.judged} time)")
        for name, points in grown.items():
            per_k = [1e6 * getattr(p, self.judged) / max(p.rows, 1) for p in points]
            steps = [b / a if a else 1.0 for a, b in itertools.pairwise(per_k)]
            good = all(s <= GROWTH for s in steps)
            ok = ok and good
            sizes = " -> ".join(f"{p.size} ({p.rows:,} rows) {v:.1f}" for p, v in zip(points, per_k, strict=True))
            print(f"  {name}: {sizes}; steps {', '.join(f'{s:.2f}x' for s in steps)} "
                  f"(goal <= {GROWTH:g}x) {'✔' if good else '✘'}")
        return ok
