"""Benchmark: SPEC 14's rules cost little (issue 15), on copies of the large demo.

    python bench/rules.py [--large /tmp/recoup_bench_large.db] [--repeat 3]

For the largest practice of the large demo, the nightly external run and the roster populate of
the next business date, each on a fresh copy of the demo:
  * without rules: no holds, no protected guarantor, the practice not waiting for insurance;
  * with rules: 5% of guarantors held or protected (half on a dispute hold, half in bankruptcy)
    and 10% of encounters with insurance still open, the practice waiting for insurance.
The ratio with/without is the price of the rules (goal: at most 1.2x). Then, on the run with the
rules: `explain` of the guarantor with the most lines (goal: under 50 ms) and the first page of
the accounts of the run's biggest left-out reason (goal: under 0.5 s).
CPU beside wall: on SQLite the database works in this process, so CPU is the steadier figure.
The copies are changed as a DBA would (the hold tables' append-only triggers dropped to clear
the demo's own holds); the source file is not touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.precollections import BOSS, timed
from core import external, roster, tallies, verdicts
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

AS_OF = dt.date(2026, 11, 23)
NEXT = AS_OF + dt.timedelta(days=1)
LARGE = Path("/tmp/recoup_bench_large.db")


def prepare(source: Path, copy: Path, rules: bool) -> tuple[object, int]:
    """A copy of the demo, its largest practice with or without the rules in force."""
    shutil.copyfile(source, copy)
    engine = make_engine(f"sqlite:///{copy}")
    schema.upgrade(engine)
    with SqlUnitOfWork(engine) as u:
        s = u.session
        p = int(s.execute(text("SELECT practice_id FROM guarantor GROUP BY practice_id "
                               "ORDER BY COUNT(*) DESC LIMIT 1")).scalar_one())
        for name in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                   "AND tbl_name IN ('hold', 'hold_release')")).scalars().all():
            s.execute(text(f"DROP TRIGGER {name}"))
        s.execute(text("DELETE FROM hold_release"))
        s.execute(text("DELETE FROM hold"))
        s.execute(text("""UPDATE guarantor SET bankruptcy_filed = NULL, date_of_death = NULL,
                          responsible_party_name = COALESCE(responsible_party_name, 'bench'),
                          household_income_cents = NULL"""))
        s.execute(text("UPDATE encounter SET insurance_status = NULL, ins_ar_cents = 0 WHERE practice_id = :p"),
                  {"p": p})
        s.execute(text("UPDATE practice SET wait_for_insurance = :w WHERE id = :p"), {"w": rules, "p": p})
        if rules:
            s.execute(text("""INSERT INTO hold (practice_id, guarantor_id, encounter_id, kind, start_date, end_date,
                                  reason, operator, business_date, created_at)
                              SELECT practice_id, id, NULL, 'dispute', :start, NULL, 'bench', 'bench', :start, :at
                              FROM guarantor WHERE practice_id = :p AND id % 40 = 0"""),
                      {"p": p, "start": AS_OF - dt.timedelta(days=20), "at": dt.datetime(2026, 11, 3)})
            s.execute(text("UPDATE guarantor SET bankruptcy_filed = :d WHERE practice_id = :p AND id % 40 = 20"),
                      {"p": p, "d": AS_OF - dt.timedelta(days=100)})
            s.execute(text("UPDATE encounter SET insurance_status = 'open' WHERE practice_id = :p AND id % 10 = 3"),
                      {"p": p})
        s.execute(text("ANALYZE"))
        u.commit()
    return engine, p


def batches(engine, p: int, out: Path) -> dict[str, tuple[object, object]]:  # type: ignore[no-untyped-def]
    """The external run then the roster populate of NEXT, as the nightly runs them: (clock, result)."""
    found: dict[str, tuple[object, object]] = {}
    for name, call in (("external run", lambda u: external.run(u, BOSS, p, NEXT, out)),
                       ("roster populate", lambda u: roster.populate(u, BOSS, p, NEXT))):
        got: list[object] = []
        with SqlUnitOfWork(engine, write=True) as u:
            clock = timed(lambda: got.append(call(u)))  # noqa: B023 (called at once)
        found[name] = (clock, got[0])
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--large", type=Path, default=LARGE, help="the large demo (SQLite), copied, never changed")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.large.exists():
        sys.exit(f"{args.large}: build it first: recoup --db {args.large} --as-of {AS_OF} demo --no-tui --size large")
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-rules-"))
    ratios: dict[str, list[tuple[float, float]]] = {"external run": [], "roster populate": []}
    last = None
    for i in range(args.repeat):
        plain = batches(*prepare(args.large, tmp / "plain.db", False), tmp)
        engine, p = prepare(args.large, tmp / "rules.db", True)
        ruled = batches(engine, p, tmp)
        for name in ratios:
            a, b = plain[name][0], ruled[name][0]
            ratios[name].append((b.wall / a.wall, b.cpu / a.cpu))  # type: ignore[attr-defined]
            print(f"run {i + 1}: {name}: with rules {b} vs without {a} = "  # type: ignore[attr-defined]
                  f"{b.wall / a.wall:.2f}x wall, {b.cpu / a.cpu:.2f}x CPU")  # type: ignore[attr-defined]
        last = (engine, p, ruled)
    for name, rs in ratios.items():
        walls, cpus = sorted(r[0] for r in rs), sorted(r[1] for r in rs)
        ok = "✔" if statistics.median(cpus) <= 1.2 else "✘"
        print(f"{name}: with/without rules, min/median/max: wall {walls[0]:.2f}/{statistics.median(walls):.2f}/"
              f"{walls[-1]:.2f}x, CPU {cpus[0]:.2f}/{statistics.median(cpus):.2f}/{cpus[-1]:.2f}x "
              f"(goal <= 1.2x) {ok}; load average {os.getloadavg()[0]:.1f}")
    assert last is not None
    engine, p, ruled = last
    reads(engine, p, ruled)
    shutil.rmtree(tmp, ignore_errors=True)


def reads(engine, p: int, ruled: dict[str, tuple[object, object]]) -> None:  # type: ignore[no-untyped-def]
    """Explain on the busiest guarantor, and the first page of the biggest reason's accounts."""
    with SqlUnitOfWork(engine) as u:
        practice, guarantor, lines = u.session.execute(text("""SELECT pr.source_id, g.source_id, COUNT(*)
            FROM service_line l JOIN guarantor g ON g.id = l.guarantor_id JOIN practice pr ON pr.id = g.practice_id
            WHERE l.practice_id = :p GROUP BY pr.source_id, g.source_id ORDER BY COUNT(*) DESC LIMIT 1"""),
            {"p": p}).one()
    times = []
    for _ in range(5):
        with SqlUnitOfWork(engine) as u:
            times.append(timed(lambda: verdicts.explain(u, BOSS, practice, NEXT, guarantor=guarantor)).wall)
    ms = statistics.median(times) * 1000
    print(f"explain, guarantor with {lines} lines: median of 5 {ms:.0f} ms (goal < 50 ms) {'✔' if ms < 50 else '✘'}")
    for name, (_clock, result) in ruled.items():
        tally = result.tally  # type: ignore[attr-defined]
        if not tally.excluded:
            continue
        biggest = max(tally.excluded, key=lambda c: c.count)
        pages = []
        for offset in (0, biggest.count // 2):
            with SqlUnitOfWork(engine) as u:
                pages.append(timed(lambda: tallies.left_out(u, BOSS, tally.id, biggest.code, offset, 100)).wall)  # noqa: B023
        worst = max(pages)
        print(f"{name}: tally {tally.considered:,} considered, {tally.taken:,} taken, left out "
              + ", ".join(f"{c.code} {c.count:,}" for c in tally.excluded)
              + f"; a page of {biggest.code} ({biggest.count:,} accounts) at the start and the middle: "
              f"worst {worst * 1000:.0f} ms (goal < 500 ms) {'✔' if worst < 0.5 else '✘'}")


if __name__ == "__main__":
    main()
