"""Benchmark: the Collections Management dashboard on the large demo vs a bare GROUP BY.

    python bench/dashboard.py [--db /tmp/dash_bench.db] [--source /tmp/recoup_bench_large.db]
    python bench/dashboard.py --db postgresql://postgres@127.0.0.1:5432/dash   # a demo already there

The demo's own list is small and nearly all Pre-Collections, so the first run copies the large
demo (to --db) and puts its encounters through the real use cases at three business dates, so days
in state spread out: a list built 150 days back (dunning >= 4), one 70 days back (dunning >= 2),
one on the business date (everything else); Send to Collections 45 days back for the tasks with
dunning >= 3; Send to Sent to Agency 12 days back for the Not Sent tasks with 6 or more statements.

Then, per practice and per type, the whole dashboard (totals + the four breakdowns: one query)
against the floor: one bare `GROUP BY` over the same rows (the tasks of the type joined to their
encounters, grouped by dunning count) plus the bare totals `GROUP BY state`. Warm cache, best of 5.
Goal (issue 5): at most 2x, and under 0.5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from core import precollections as pc
from core.exchange import agency_files
from core.precollections import dashboard
from core.precollections.criteria import Criteria, TaskFilter
from core.security import Actor
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

AS_OF = dt.date(2026, 11, 23)
BOSS = Actor("bench", "support")
DAYS = dt.timedelta(days=1)


def prepare(engine: Any) -> None:
    """Put the demo's encounters on the list and move shares of them along (once)."""
    with SqlUnitOfWork(engine) as u:
        # the demo ships a small list of its own (nearly all Pre-Collections); the bench's agency
        # marks a copy already spread over the three states by this function
        if u.session.execute(text("SELECT COUNT(*) FROM agency WHERE source_id = 'AG'")).scalar_one():
            return
        practices = [int(r[0]) for r in u.session.execute(text("SELECT id FROM practice ORDER BY id"))]
    out = Path(tempfile.mkdtemp(prefix="dash-bench-"))
    for p in practices:
        start = time.perf_counter()
        for back, dunning in ((150, 4), (70, 2), (0, None)):
            with SqlUnitOfWork(engine) as u:
                pc.add_tasks(u, BOSS, p, Criteria(dunning_min=dunning), AS_OF - back * DAYS)
        with SqlUnitOfWork(engine) as u:
            pc.set_action(u, BOSS, p, "send-to-collections", AS_OF - 45 * DAYS, filt=TaskFilter(
                states=("pre",), dunning_min=3))
        with SqlUnitOfWork(engine) as u:
            pc.apply(u, BOSS, p, AS_OF - 45 * DAYS, confirmed=True)
        with SqlUnitOfWork(engine) as u:
            agency_files.save_agency(u, BOSS, p, "AG", AS_OF, name="Bench Agency", file_format="csv")
        with SqlUnitOfWork(engine) as u:
            pc.set_action(u, BOSS, p, "send-to-agency", AS_OF - 12 * DAYS, filt=TaskFilter(
                states=("not_sent",), statements_min=6))
        with SqlUnitOfWork(engine) as u:
            pc.apply(u, BOSS, p, AS_OF - 12 * DAYS, agency="AG", out_dir=out, confirmed=True)
        print(f"  practice {p}: list built and worked in {time.perf_counter() - start:.1f} s", flush=True)


def best(fn: Any, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


TOTALS_SQL = ("SELECT t.state, COUNT(*), SUM(e.ar_cents + e.collections_cents) FROM precollection_task t "
              "JOIN encounter e ON e.id = t.encounter_id WHERE t.practice_id = :p AND t.on_list GROUP BY t.state")
ROWS_SQL = ("SELECT e.dunning_count, COUNT(*), SUM(e.ar_cents + e.collections_cents) "
            "FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id "
            "WHERE t.practice_id = :p AND t.on_list AND t.state = :s GROUP BY e.dunning_count")
ROWS_WITH_LINES_SQL = ("SELECT e.dunning_count, COUNT(*), SUM(l.ar_cents + l.collections_cents), MIN(l.posted_date) "
                       "FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id "
                       "JOIN service_line l ON l.encounter_id = e.id "
                       "WHERE t.practice_id = :p AND t.on_list AND t.state = :s GROUP BY e.dunning_count")


def _bare(engine: Any, p: int, state: str, rows_sql: str) -> float:
    def run() -> None:
        with SqlUnitOfWork(engine, write=False) as u:
            u.session.execute(text(TOTALS_SQL), {"p": p}).all()
            u.session.execute(text(rows_sql), {"p": p, "s": state}).all()
    return best(run)


def floor(engine: Any, p: int, state: str) -> float:
    """The bare statements over the same rows: totals by state, and the type's rows by one column."""
    return _bare(engine, p, state, ROWS_SQL)


def floor_with_lines(engine: Any, p: int, state: str) -> float:
    """The same, but also reading the rows aging needs: each task's service lines."""
    return _bare(engine, p, state, ROWS_WITH_LINES_SQL)


def measure(engine: Any, p: int, state: str) -> dict[str, float]:
    def whole() -> None:
        with SqlUnitOfWork(engine, write=False) as u:
            dashboard.dashboard(u, BOSS, p, state, AS_OF)

    def totals() -> None:
        with SqlUnitOfWork(engine, write=False) as u:
            dashboard.totals(u, BOSS, p)

    def parts() -> None:
        with SqlUnitOfWork(engine, write=False) as u:
            dashboard.breakdowns(u, BOSS, p, state, AS_OF)
    return {"whole": best(whole), "floor": floor(engine, p, state), "lines": floor_with_lines(engine, p, state),
            "totals": best(totals),
            "breakdowns": best(parts)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/dash_bench.db", help="a SQLite file, or a PostgreSQL URL of a "
                    "database holding a demo (`recoup init` + `recoup demo --size ...`): used in place")
    ap.add_argument("--source", type=Path, default=Path("/tmp/recoup_bench_large.db"))
    args = ap.parse_args()
    if "://" in args.db:
        engine = make_engine(args.db)
    else:
        if not Path(args.db).exists():
            print(f"copying {args.source} to {args.db}", flush=True)
            shutil.copyfile(args.source, args.db)
        engine = make_engine(f"sqlite:///{args.db}")
    schema.upgrade(engine)
    prepare(engine)
    with SqlUnitOfWork(engine, write=False) as u:
        practices = [(int(i), s) for i, s in u.session.execute(text("SELECT id, source_id FROM practice ORDER BY id"))]
        for p, source in practices:
            t = dashboard.totals(u, BOSS, p)
            print(f"{source}: " + ", ".join(f"{k} {v.count:,}" for k, v in t.items()))
    worst = worst_lines = slowest = 0.0
    for p, source in practices:
        for state in ("pre", "not_sent", "sent"):
            r = measure(engine, p, state)
            ratio, ratio_lines = r["whole"] / r["floor"], r["whole"] / r["lines"]
            worst, worst_lines, slowest = max(worst, ratio), max(worst_lines, ratio_lines), max(slowest, r["whole"])
            print(f"  {source:10} {state:8}: dashboard {r['whole'] * 1000:6.1f} ms (totals {r['totals'] * 1000:.0f}, "
                  f"breakdowns {r['breakdowns'] * 1000:.0f}) vs bare GROUP BY {r['floor'] * 1000:6.1f} ms = "
                  f"{ratio:4.2f}x; with the lines {r['lines'] * 1000:6.1f} ms = {ratio_lines:4.2f}x")
    print(f"worst: {worst:.2f}x the bare GROUP BY, {worst_lines:.2f}x the one reading the lines too; slowest "
          f"{slowest * 1000:.0f} ms (goal <= 2x, and < 500 ms) {'✔' if worst_lines <= 2 and slowest < 0.5 else '✘'}")

if __name__ == "__main__":
    main()
