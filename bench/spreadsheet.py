"""Benchmark: the agency spreadsheet alone (issue 4: 50,000 rows in at most 2.5 s and 100 MB).

    python bench/spreadsheet.py [--rows 50000] [--db URL] [--repeat 3]

Generates a practice (bench.precollections.generate), puts `rows` of its encounters In
Collections/Not Sent with one bare INSERT (the spreadsheet reads tasks, encounters and
guarantors; it does not care how they got there), then times Create spreadsheet for an agency
with the default (minimum necessary) columns, as bench.precollections does after its Apply.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.precollections import AS_OF, BOSS, generate
from core import precollections as pc
from core.exchange import agency_files
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--db", default=None, help="database URL (default: a new SQLite file); it is changed")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--per-cell", action="store_true", help="xlsxwriter's per-cell calls (the path before "
                                                                 "core.xlsx_rows), for comparison")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the last repetition")
    args = ap.parse_args()
    if args.per_cell:
        from core import xlsx_rows
        xlsx_rows.usable = lambda: False
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-sheet-"))
    engine = make_engine(args.db or f"sqlite:///{tmp / 'bench.db'}")
    schema.upgrade(engine)
    p = generate(engine, args.rows)
    with SqlUnitOfWork(engine) as u:
        u.session.execute(text("""INSERT INTO precollection_task (practice_id, task_no, encounter_id, guarantor_id,
            on_list, state, state_date, version) SELECT e.practice_id, ROW_NUMBER() OVER (ORDER BY e.id), e.id,
            e.guarantor_id, TRUE, 'not_sent', :d, 1 FROM encounter e WHERE e.practice_id = :p"""),
                          {"p": p, "d": AS_OF})
        u.commit()
    with SqlUnitOfWork(engine) as u:
        agency_files.save_agency(u, BOSS, p, "AG", AS_OF, name="Bench Agency")
    times = []
    for i in range(args.repeat):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        prof = cProfile.Profile() if args.profile and i == args.repeat - 1 else None
        with SqlUnitOfWork(engine) as u:
            start = time.perf_counter()
            if prof:
                prof.enable()
            r = pc.create_spreadsheet(u, BOSS, p, "AG", AS_OF, tmp / f"out{i}", confirmed=True)  # no BAA: go on
            if prof:
                prof.disable()
            times.append(time.perf_counter() - start)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
        print(f"{engine.dialect.name}: agency spreadsheet, {r.file.rows:,} rows x {len(agency_files.DEFAULT_COLUMNS)} "
              f"columns: {times[-1]:.2f} s (goal <= 2.5 s) {'✔' if times[-1] <= 2.5 else '✘'}; peak RSS grew "
              f"{grown:.0f} MB (process peak "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
              f"goal <= 100 MB) {'✔' if grown <= 100 else '✘'}")
    print(f"median {sorted(times)[len(times) // 2]:.2f} s")
    if args.profile:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
