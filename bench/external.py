"""Benchmark: the nightly external collections run against its like-for-like floor, same run.

    python bench/external.py [--encounters 10000 100000] [--db URL]
    python bench/external.py --large /tmp/recoup_large.db     # the demo's own nightly run

On generated practices (bench.precollections.generate: one guarantor per four encounters, two
charged lines each, balances 10.00 to 510.00), their lines re-dated to ages of 0 to 399 days, with
two agencies (balance > 99.00; age > 60 and age > 180), payment exclusions on and every rule on:
the run selecting into Pending only, then the run selecting, posting (A/R -> collections) and
filing. The floor (bench/external_floor.py) writes exactly the rows the run writes for the lines
it moves — placements, history, transfers, balance caches, the agency file — as bare SQL and the
csv module or xlsxwriter; one bare UPDATE of the placed lines is printed too, for the record.
Each size gets newly generated practices (the ledger and history are append-only, so a run cannot
be undone); both floors run in transactions that are rolled back. Goal (issue 20): at most 15x,
flat with size (time per 1,000 placed lines).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench import external_floor, pgio, scratch
from bench.growth import Growth
from bench.precollections import AS_OF, BOSS, bare, generate, timed
from bench.sqltrace import Trace
from core import external
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork


def redate(engine, p: int) -> None:
    """Spread the lines' posted dates over 400 days before the business date."""
    minus = ("CAST(:d AS DATE) - CAST(l.id % 400 AS INTEGER)" if engine.dialect.name == "postgresql"
             else "date(:d, '-' || (l.id % 400) || ' days')")
    with SqlUnitOfWork(engine) as u:
        u.session.execute(text(f"UPDATE service_line SET posted_date = {minus.replace('l.id', 'id')} "
                               "WHERE practice_id = :p"), {"d": AS_OF.isoformat(), "p": p})
        u.commit()


def fresh_practice(engine, encounters: int) -> tuple[int, float]:
    """A newly generated practice BENCH (an earlier one is renamed out of the way: the ledger and
    the history tables are append-only, so a run cannot be undone), re-dated and analysed."""
    with SqlUnitOfWork(engine) as u:
        n = u.session.execute(text("SELECT COUNT(*) FROM practice WHERE source_id LIKE 'BENCH%'")).scalar_one()
        u.session.execute(text("UPDATE practice SET source_id = :s WHERE source_id = 'BENCH'"), {"s": f"BENCH-{n}"})
        u.commit()
    t = timed(lambda: generate(engine, encounters)).wall
    with SqlUnitOfWork(engine) as u:
        p = int(u.session.execute(text("SELECT id FROM practice WHERE source_id = 'BENCH'")).scalar_one())
    redate(engine, p)
    with SqlUnitOfWork(engine) as u:
        u.session.execute(text("ANALYZE"))
        u.commit()
    return p, t


def setup(engine, p: int, approve: bool) -> None:
    with SqlUnitOfWork(engine) as u:
        for table in ("agency_assignment", "external_settings"):
            u.session.execute(text(f"DELETE FROM {table} WHERE practice_id = :p"), {"p": p})
        u.commit()
    for code, age in (("AG1", 60), ("AG2", 180)):
        with SqlUnitOfWork(engine) as u:
            external.add_assignment(u, BOSS, p, external.Assignment(code, 9900, age, approve, approve), AS_OF)
    with SqlUnitOfWork(engine) as u:  # an agreement on record: the nightly writes their files
        u.session.execute(text("UPDATE agency SET baa_signed = :d WHERE source_id IN ('AG1', 'AG2')"), {"d": AS_OF})
        u.commit()
    with SqlUnitOfWork(engine) as u:
        external.update_rules(u, BOSS, p, AS_OF, {"exclude_days": 30, "exclude_min_cents": 2000,
                                                  "exclude_pct_bp": 1000, "returned_mail": True, "reassign": True,
                                                  "reage_denied": True, "by_dos": True})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, nargs="+", default=[10_000, 100_000],
                    help="practice sizes to generate (each: a new practice); cost must grow linearly")
    ap.add_argument("--db", default=None, help="database URL (default: a new SQLite file); it is changed")
    ap.add_argument("--large", metavar="DEMO",
                    help="instead: the nightly run of each practice of a copy of this large demo (a SQLite file, "
                         "or a PostgreSQL URL)")
    ap.add_argument("--statements", action="store_true", help="with --large: the run's dearest statements")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-external-"))
    if args.large:
        large_demo(args.large, tmp, args.statements)
        return
    engine = make_engine(args.db or f"sqlite:///{tmp / 'bench.db'}")
    schema.upgrade(engine)
    growth = Growth.for_dialect(engine.dialect.name)
    for encounters in args.encounters:
        for approve in (False, True):
            p, t = fresh_practice(engine, encounters)
            print(f"{engine.dialect.name}: generated {encounters:,} encounters ({2 * encounters:,} lines) in {t:.2f} s")
            setup(engine, p, approve)
            what = "select + post + file" if approve else "select into Pending"
            measure(engine, p, what, tmp, lambda rows, run, same, what=what, n=encounters: growth.add(
                f"external run ({what}), per placed line", f"{n:,} encounters", rows, run.wall, run.cpu, same))
    growth.report()


def measure(engine, p: int, what: str, tmp: Path, seen=None,  # type: ignore[no-untyped-def]
            statements: bool = False) -> None:
    """The run against its like-for-like floor (the same moves written bare) and, for the record,
    one bare UPDATE of exactly the lines it places; both floors rolled back, then the run."""
    moved = external_floor.rehearse(engine, BOSS, p, AS_OF, tmp)
    if not moved:
        print(f"  external run ({what}): nothing to move, nothing to measure")
        return
    placed = sorted({m[1] for m in moved if m[0] == "select"})
    before = pgio.snapshot(engine)
    same = external_floor.floor(engine, moved, AS_OF, tmp)
    floor_io = pgio.since(engine, before)
    ids = ",".join(map(str, placed)) or "0"
    one = bare(engine, f"UPDATE service_line SET version = version + 1 WHERE id IN ({ids})", {})
    before = pgio.snapshot(engine)
    with SqlUnitOfWork(engine) as u, Trace(engine) if statements else nullcontext() as trace:
        t = timed(lambda: external.run(u, BOSS, p, AS_OF, tmp))
    run_io = pgio.since(engine, before)
    per = f"{1e6 * t.wall / len(placed):.0f} ms per 1,000 placed" if placed else "nothing placed"
    print(f"  external run ({what}, {len(placed):,} lines placed, {len(moved):,} moves): {t}; {per}")
    print(f"    vs the same writes bare {same} = {t.ratio(same, engine)} (goal <= 15x) "
          f"{'✔' if t.within(same, 15, engine) else '✘'}"
          f"{' (judged on CPU)' if engine.dialect.name == 'sqlite' else ''}")
    print(f"    vs one bare UPDATE of the placed lines {one} = {t.ratio(one, engine)} (for the record)")
    if floor_io and run_io:
        for who, io in (("floor", floor_io), ("run", run_io)):
            print(f"    the server, per 1,000 placed lines, {who}: {io.per(len(placed))}")
    if trace is not None:
        print("\n".join(trace.top(12, by="wall" if engine.dialect.name == "postgresql" else "cpu")))
    if seen is not None:
        seen(len(placed), t, same)


def large_demo(source: str, tmp: Path, statements: bool = False) -> None:
    """The demo's own nightly external run (its agencies, rules and 30 days of ageing since the
    last run: select, Auto Approve, Auto Create File, reassign) per practice, on a copy of the large
    demo, against the same writes bare."""
    with scratch.copy_of(source) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        with SqlUnitOfWork(engine) as u:
            practices = u.session.execute(text("SELECT id, source_id FROM practice WHERE external_on "
                                               "ORDER BY id")).all()
        for p, source_id in practices:
            print(f"{engine.dialect.name}, {source_id}:")
            measure(engine, p, "the demo's nightly: select, Auto Approve, Auto Create File, reassign", tmp,
                    statements=statements)
        engine.dispose()

if __name__ == "__main__":
    main()
