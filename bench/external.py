"""Benchmark: the nightly external collections run against the bare SQL floor, same run.

    python bench/external.py [--encounters 100000] [--db URL]
    python bench/external.py --large /tmp/recoup_bench_large.db     # the demo's own nightly run

On a generated practice (bench.precollections.generate: one guarantor per four encounters, two
charged lines each, balances 10.00 to 510.00), its lines re-dated to ages of 0 to 399 days, with
two agencies (balance > 99.00; age > 60 and age > 180), payment exclusions on and every rule on:
  * the run selecting into Pending only (no Auto Approve)      vs  one bare UPDATE of the same rows
  * the run selecting, posting (A/R -> collections) and filing  vs  the same bare UPDATE
Each run gets a newly generated practice (the ledger and history are append-only, so a run
cannot be undone). The bare UPDATE runs in a transaction that is rolled back.
Goal (issue 6): at most 15x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.precollections import AS_OF, BOSS, bare, generate, timed
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
    with SqlUnitOfWork(engine) as u:
        external.update_rules(u, BOSS, p, AS_OF, {"exclude_days": 30, "exclude_min_cents": 2000,
                                                  "exclude_pct_bp": 1000, "returned_mail": True, "reassign": True,
                                                  "reage_denied": True, "by_dos": True})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="database URL (default: a new SQLite file); it is changed")
    ap.add_argument("--large", type=Path, metavar="DEMO.db",
                    help="instead: the nightly run of each practice of a copy of this large demo (SQLite)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-external-"))
    if args.large:
        large_demo(args.large, tmp)
        return
    engine = make_engine(args.db or f"sqlite:///{tmp / 'bench.db'}")
    schema.upgrade(engine)
    cutoff = (AS_OF - dt.timedelta(days=60)).isoformat()
    floor_sql = ("UPDATE service_line SET version = version + 1 WHERE practice_id = :p AND responsibility = "
                 "'guarantor' AND ar_cents > 9900 AND collections_cents = 0 AND posted_date < :c")
    for approve in (False, True):
        p, t = fresh_practice(engine, args.encounters)
        print(f"{engine.dialect.name}: generated {args.encounters:,} encounters ({2 * args.encounters:,} lines) "
              f"in {t:.2f} s")
        setup(engine, p, approve)
        floor = bare(engine, floor_sql, {"p": p, "c": cutoff})
        with SqlUnitOfWork(engine) as u:
            t = timed(lambda: external.run(u, BOSS, p, AS_OF, tmp))  # noqa: B023 (called at once)
        with SqlUnitOfWork(engine) as u:
            n = u.session.execute(text("SELECT COUNT(*) FROM external_placement WHERE practice_id = :p"),
                                  {"p": p}).scalar_one()
        what = "select + post + file" if approve else "select into Pending"
        print(f"external run ({what}, {n:,} lines placed): {t} vs bare UPDATE {floor} "
              f"= {t.ratio(floor, engine)} (goal <= 15x)")
        with SqlUnitOfWork(engine) as u:
            t2 = timed(lambda: external.run(u, BOSS, p, AS_OF, tmp))  # noqa: B023 (called at once)
        print(f"  rerun of the same date (changes nothing): {t2}")


def large_demo(source: Path, tmp: Path) -> None:
    """The demo's own nightly external run (its agencies, rules and 30 days of ageing since the
    last run: select, Auto Approve, Auto Create File, reassign) per practice, on a copy of the large
    demo, against one bare UPDATE of the lines over the practice's lowest thresholds (balance and
    age: the rows any of its agencies could take), as the generated practice's floor is."""
    copy = tmp / "large.db"
    shutil.copyfile(source, copy)
    engine = make_engine(f"sqlite:///{copy}")
    schema.upgrade(engine)
    with SqlUnitOfWork(engine) as u:
        practices = u.session.execute(text("SELECT id, source_id FROM practice WHERE external_on "
                                           "ORDER BY id")).all()
    for p, source_id in practices:
        with SqlUnitOfWork(engine) as u:  # the lowest thresholds: the rows any agency could take
            balance, age = u.session.execute(text("SELECT MIN(balance_gt_cents), MIN(age_gt) FROM agency_assignment "
                                                  "WHERE practice_id = :p"), {"p": p}).one()
        cutoff = (AS_OF - dt.timedelta(days=int(age))).isoformat()
        over = ("FROM service_line WHERE practice_id = :p AND responsibility = 'guarantor' AND ar_cents > :b "
                "AND collections_cents = 0 AND posted_date < :c")
        params = {"p": p, "b": balance, "c": cutoff}
        with SqlUnitOfWork(engine) as u:
            rows = u.session.execute(text(f"SELECT COUNT(*) {over}"), params).scalar_one()
        floor = bare(engine, f"UPDATE service_line SET version = version + 1 WHERE id IN (SELECT id {over})", params)
        done: list[external.RunResult] = []
        with SqlUnitOfWork(engine) as u:
            t = timed(lambda: done.append(external.run(u, BOSS, p, AS_OF, tmp)))  # noqa: B023 (called at once)
        run = done[0]
        steps = ", ".join(f"{k} {n:,}" for k, (n, _c) in run.steps.items() if n)
        print(f"{source_id}: nightly external run ({steps}; {len(run.files)} files): {t} vs bare UPDATE "
              f"of {rows:,} lines {floor} = {t.ratio(floor, engine)} (goal <= 15x)")


if __name__ == "__main__":
    main()
