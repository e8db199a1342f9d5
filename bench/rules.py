"""Benchmark: SPEC 14's rules cost little (issue 15), on copies of the large demo.

    python bench/rules.py [--large /tmp/recoup_large.db] [--repeat 3] [--statements] [--holds-only]

For the largest practice of the large demo, the nightly external run, the roster populate and
Add Pre-Collection Tasks (every patient encounter) of the next business date, each on a fresh
copy of the demo:
  * without rules: no holds, no protected guarantor, the practice not waiting for insurance;
  * with rules: 5% of guarantors held or protected (half on a dispute hold, half in bankruptcy)
    and 10% of encounters with insurance still open, the practice waiting for insurance.
--holds-only: issue 15's own condition, 5% held or protected and no insurance still open.
The ratio with/without is the price of the rules (goal: at most 1.2x). Then, on the run with the
rules: `explain` of the guarantor with the most lines (goal: under 50 ms) and the first page of
the accounts of the run's biggest left-out reason (goal: under 0.5 s).
CPU beside wall: on SQLite the database works in this process, so CPU is the steadier figure.
--statements prints, per batch, the statements whose CPU grew most with the rules (SQL logged
with timings, bench/sqltrace.py), matched in the order they ran.
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

from bench import scratch
from bench.precollections import BOSS, timed
from bench.sqltrace import Trace, compare
from core import external, roster, tallies, verdicts
from core import precollections as pc
from core.precollections.criteria import Criteria
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

AS_OF = dt.date(2026, 11, 23)
NEXT = AS_OF + dt.timedelta(days=1)
LARGE = Path("/tmp/recoup_large.db")


def prepare(url: str, rules: bool, insurance: bool = True) -> tuple[object, int]:
    """A copy of the demo (`url`, changed here), its largest practice with or without the rules in
    force. The demo's holds are removed first, past their append-only triggers (a bench's copy)."""
    engine = make_engine(url)
    schema.upgrade(engine)
    with SqlUnitOfWork(engine) as u:
        s = u.session
        p = int(s.execute(text("SELECT practice_id FROM guarantor GROUP BY practice_id "
                               "ORDER BY COUNT(*) DESC LIMIT 1")).scalar_one())
        if engine.dialect.name == "postgresql":
            s.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers in this transaction
        else:
            for name in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                       "AND tbl_name IN ('hold', 'hold_release')")).scalars().all():
                s.execute(text(f"DROP TRIGGER {name}"))
        s.execute(text("UPDATE fap_application SET hold_id = NULL"))  # the demo's 501(r) stage: its automatic hold
        s.execute(text("DELETE FROM hold_release"))
        s.execute(text("DELETE FROM hold"))
        s.execute(text("""UPDATE guarantor SET bankruptcy_filed = NULL, date_of_death = NULL,
                          responsible_party_name = COALESCE(responsible_party_name, 'bench'),
                          household_income_cents = NULL"""))
        s.execute(text("UPDATE encounter SET insurance_status = NULL, ins_ar_cents = 0 WHERE practice_id = :p"),
                  {"p": p})
        s.execute(text("UPDATE practice SET wait_for_insurance = :w WHERE id = :p"), {"w": rules and insurance, "p": p})
        if rules:
            s.execute(text("""INSERT INTO hold (practice_id, guarantor_id, encounter_id, kind, start_date, end_date,
                                  reason, operator, business_date, created_at)
                              SELECT practice_id, id, NULL, 'dispute', :start, NULL, 'bench', 'bench', :start, :at
                              FROM guarantor WHERE practice_id = :p AND id % 40 = 0"""),
                      {"p": p, "start": AS_OF - dt.timedelta(days=20), "at": dt.datetime(2026, 11, 3)})
            s.execute(text("UPDATE guarantor SET bankruptcy_filed = :d WHERE practice_id = :p AND id % 40 = 20"),
                      {"p": p, "d": AS_OF - dt.timedelta(days=100)})
            if insurance:
                s.execute(text("UPDATE encounter SET insurance_status = 'open' WHERE practice_id = :p "
                               "AND id % 10 = 3"), {"p": p})
        s.execute(text("ANALYZE"))
        u.commit()
    return engine, p


BATCHES = ("external run", "roster populate", "Add Pre-Collection Tasks")


def batches(engine, p: int, out: Path, traces: dict[str, Trace] | None = None  # type: ignore[no-untyped-def]
            ) -> dict[str, tuple[object, object]]:
    """The external run, the roster populate (as the nightly runs them) and Add Pre-Collection
    Tasks of NEXT: (clock, result) per batch; with `traces`, every statement timed too."""
    found: dict[str, tuple[object, object]] = {}
    calls = {"external run": lambda u: external.run(u, BOSS, p, NEXT, out),
             "roster populate": lambda u: roster.populate(u, BOSS, p, NEXT),
             "Add Pre-Collection Tasks": lambda u: pc.add_tasks(u, BOSS, p, Criteria(balance_for="patient"), NEXT)}
    for name in BATCHES:
        got: list[object] = []
        with SqlUnitOfWork(engine, write=True) as u:
            if traces is None:
                clock = timed(lambda: got.append(calls[name](u)))  # noqa: B023 (called at once)
            else:
                with Trace(engine) as traces[name]:
                    clock = timed(lambda: got.append(calls[name](u)))  # noqa: B023 (called at once)
        found[name] = (clock, got[0])
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--large", default=str(LARGE),
                    help="the large demo (a SQLite file, or a PostgreSQL URL), copied, never changed")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reads-only", action="store_true", help="only explain and a reason's page (one copy with rules)")
    ap.add_argument("--holds-only", action="store_true",
                    help="issue 15's condition: 5%% held or protected, no insurance still open")
    ap.add_argument("--statements", action="store_true", help="time each statement; show what the rules cost")
    args = ap.parse_args()
    if not scratch.is_postgres(args.large) and not Path(args.large).exists():
        sys.exit(f"{args.large}: build it first: recoup --db {args.large} --as-of {AS_OF} demo --no-tui --size large")
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-rules-"))
    if args.reads_only:
        with scratch.copy_of(args.large) as url:
            engine, p = prepare(url, True, not args.holds_only)
            reads(engine, p, {}, args.statements)
        shutil.rmtree(tmp, ignore_errors=True)
        return
    on_cpu = not scratch.is_postgres(args.large)  # SQLite works in-process; PostgreSQL's work is the server's
    ratios: dict[str, list[tuple[float, float]]] = {name: [] for name in BATCHES}
    for i in range(args.repeat):
        bare_traces: dict[str, Trace] | None = {} if args.statements else None
        ruled_traces: dict[str, Trace] | None = {} if args.statements else None
        with scratch.copy_of(args.large) as url:
            plain = batches(*prepare(url, False), tmp, bare_traces)
        with scratch.copy_of(args.large) as url:
            engine, p = prepare(url, True, not args.holds_only)
            ruled = batches(engine, p, tmp, ruled_traces)
            if i == args.repeat - 1:
                reads(engine, p, ruled, args.statements)
            engine.dispose()  # type: ignore[attr-defined]
        for name in ratios:
            a, b = plain[name][0], ruled[name][0]
            ratios[name].append((b.wall / a.wall, b.cpu / a.cpu))  # type: ignore[attr-defined]
            print(f"run {i + 1}: {name}: with rules {b} wall, {b.cpu:.3f} s CPU vs without {a} wall, "  # type: ignore[attr-defined]
                  f"{a.cpu:.3f} s CPU = "  # type: ignore[attr-defined]
                  f"{b.wall / a.wall:.2f}x wall, {b.cpu / a.cpu:.2f}x CPU; load average "  # type: ignore[attr-defined]
                  f"{os.getloadavg()[0]:.1f}", flush=True)
            if bare_traces is not None and ruled_traces is not None:
                print("\n".join(compare(bare_traces[name], ruled_traces[name])), flush=True)
    for name, rs in ratios.items():
        walls, cpus = sorted(r[0] for r in rs), sorted(r[1] for r in rs)
        ok = "✔" if statistics.median(cpus if on_cpu else walls) <= 1.2 else "✘"
        print(f"{name}: with/without rules, min/median/max: wall {walls[0]:.2f}/{statistics.median(walls):.2f}/"
              f"{walls[-1]:.2f}x, CPU {cpus[0]:.2f}/{statistics.median(cpus):.2f}/{cpus[-1]:.2f}x "
              f"(goal <= 1.2x, judged on {'CPU' if on_cpu else 'wall'}) {ok}; load average "
              f"{os.getloadavg()[0]:.1f}")
    shutil.rmtree(tmp, ignore_errors=True)


def reads(engine, p: int, ruled: dict[str, tuple[object, object]],  # type: ignore[no-untyped-def]
          statements: bool = False) -> None:
    """Explain on the busiest guarantor, and the first page of the biggest reason's accounts."""
    with SqlUnitOfWork(engine) as u:
        practice, guarantor, lines = u.session.execute(text("""SELECT pr.source_id, g.source_id, COUNT(*)
            FROM service_line l JOIN guarantor g ON g.id = l.guarantor_id JOIN practice pr ON pr.id = g.practice_id
            WHERE l.practice_id = :p GROUP BY pr.source_id, g.source_id ORDER BY COUNT(*) DESC LIMIT 1"""),
            {"p": p}).one()
    clocks = []
    for _ in range(5):
        with SqlUnitOfWork(engine) as u:
            clocks.append(timed(lambda: verdicts.explain(u, BOSS, practice, NEXT, guarantor=guarantor)))
    ms = statistics.median(c.wall for c in clocks) * 1000
    cpu = statistics.median(c.cpu for c in clocks) * 1000
    print(f"explain, guarantor with {lines} lines: median of 5 {ms:.0f} ms wall, {cpu:.0f} ms CPU (goal < 50 ms) "
          f"{'✔' if ms < 50 else '✘'}; load average {os.getloadavg()[0]:.1f}")
    if statements:
        with SqlUnitOfWork(engine) as u, Trace(engine) as trace:
            verdicts.explain(u, BOSS, practice, NEXT, guarantor=guarantor)
        print(f"  explain ran {len(trace.stmts)} statements, {trace.cpu * 1000:.0f} ms CPU in them; the dearest:")
        print("\n".join(trace.top(8)))
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
        print(f"{name}: tally {tally.counted(tally.considered)} considered, {tally.taken:,} taken, left out "
              + ", ".join(f"{c.code} {c.count:,}" for c in tally.excluded)
              + f"; a page of {biggest.code} ({tally.counted(biggest.count)}) at the start and the middle: "
              f"worst {worst * 1000:.0f} ms (goal < 500 ms) {'✔' if worst < 0.5 else '✘'}")


if __name__ == "__main__":
    main()
