"""How a batch's cost grows with size (issue 20 item 8): time per 1,000 rows at each size, and
whether any step from one size to the next grows faster than linear.

A benchmark adds one point per size and series (a series is one batch measured at several sizes)
and prints `report()` at the end. Judged on CPU time on SQLite, which does all its work in the
benchmark's own process and is less swayed by a shared machine's load than wall time; on
PostgreSQL, whose server's work this process's CPU time does not see, on wall time. A step may
cost up to GROWTH times the one before it (noise); more than that is growth faster than linear.

A point may carry its like-for-like floor: the same rows written bare at that size, in the same
run. Where that floor itself costs more per row at the larger size, linear is not a floor any code
can meet on that server at those sizes (PostgreSQL's per-row cost of the very same statements rises
once the tables outgrow its buffers and a batch's WAL spans checkpoints: bench/pgio.py shows it).
A step over GROWTH is then judged against the floor's own step — the batch may grow at most GROWTH
times what the same work bare grew, so what the batch adds of its own stays linear — and the report
says so under the linear verdict. The yardstick is the bare step itself wherever it is over 1x, not
only over GROWTH: a bare step of 1.21x with a batch step of 1.26x (the batch adding 1.04x) is the
server's growth as much as a bare 1.3x is.
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
    floor_wall: float | None = None
    floor_cpu: float | None = None


@dataclass
class Growth:
    judged: str                      # "cpu" (SQLite) or "wall" (PostgreSQL)
    series: dict[str, list[Point]] = field(default_factory=dict)

    @classmethod
    def for_dialect(cls, dialect: str) -> Growth:
        return cls("cpu" if dialect == "sqlite" else "wall")

    def add(self, series: str, size: str, rows: int, wall: float, cpu: float, floor: object | None = None) -> None:
        """`floor`: the same work bare at this size (anything with `wall` and `cpu` seconds), or None."""
        self.series.setdefault(series, []).append(
            Point(size, rows, wall, cpu, getattr(floor, "wall", None), getattr(floor, "cpu", None)))

    def report(self) -> bool:
        """Print each series measured at two sizes or more; True when no judged step grows too fast."""
        ok = True
        grown = {name: points for name, points in self.series.items() if len(points) > 1}
        if grown:
            print(f"\ngrowth, ms per 1,000 rows from one size to the next (goal: no step more than {GROWTH:g}x "
                  f"the one before, i.e. linear; judged on {self.judged} time)")
        for name, points in grown.items():
            ok = self._series(name, points) and ok
        return ok

    def _series(self, name: str, points: list[Point]) -> bool:
        per_k = [1e6 * getattr(p, self.judged) / max(p.rows, 1) for p in points]
        steps = _steps(per_k)
        linear = all(s <= GROWTH for s in steps)
        floors = [getattr(p, f"floor_{self.judged}") for p in points]
        bare = None if any(f is None for f in floors) else \
            _steps([1e6 * f / max(p.rows, 1) for p, f in zip(points, floors, strict=True)])
        fair = [s <= GROWTH * max(1.0, b) for s, b in zip(steps, bare, strict=True)] if bare else []
        verdict = "✔" if linear else "✔ against the same work bare (below)" if fair and all(fair) else "✘"
        sizes = " -> ".join(f"{p.size} ({p.rows:,} rows) {v:.1f}" for p, v in zip(points, per_k, strict=True))
        print(f"  {name}: {sizes}; steps {', '.join(f'{s:.2f}x' for s in steps)} (goal <= {GROWTH:g}x) {verdict}")
        if bare is None:
            return linear
        ratios = [getattr(p, self.judged) / f if f else 0.0 for p, f in zip(points, floors, strict=True)]
        print(f"    the same work bare: steps {', '.join(f'{s:.2f}x' for s in bare)}; the batch / it at "
              f"each size {' -> '.join(f'{r:.2f}x' for r in ratios)}")
        for i, (step, floor_step, ok) in enumerate(zip(steps, bare, fair, strict=True)):
            if step > GROWTH:
                print(f"    step {i + 1} ({step:.2f}x): the same work bare grew {floor_step:.2f}x; the batch grew "
                      f"{step / floor_step:.2f}x that (goal <= {GROWTH:g}x of the bare step where it is over 1x) "
                      f"{'✔ (the server, not the batch)' if ok else '✘'}")
        return linear or all(fair)


def _steps(values: list[float]) -> list[float]:
    return [b / a if a else 1.0 for a, b in itertools.pairwise(values)]
