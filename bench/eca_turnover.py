"""Benchmark: the 501(r) test of a roster turnover (issue 16) against the same turnover without it.

    python bench/eca_turnover.py [--guarantors 20000] [--repeat 3]

A generated practice (bench/roster.py's: two charged lines per guarantor, aged 0-119 days on day
0), populated on day 0, every account then approved for the agency. The practice is a 501(r)
non-profit hospital: each guarantor has an aggregated statement on day 0, an ECA notice printed on
day 10 and a call on day 20. Turned over on day 130, on fresh copies of that database:
  * floor: to an agency that takes no ECA (no 501(r) test: the rule decides that once, in Python);
  * to an ECA agency, every account allowed: the same rows and the same work, plus the three
    conditions asked of each account over the lines it turns over;
  * to an ECA agency with every tenth guarantor's call removed: those accounts stay approved and
    the tally names them (oral_attempt_missing).
Goal: the ECA test costs at most 1.5x the turnover without it. CPU beside wall: on SQLite the
database works in this process, so CPU is the steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.roster import BOSS, DAY0, generate
from core import compliance_settings, roster
from core.exchange import agency_files
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

TURNOVER = DAY0 + dt.timedelta(days=130)
GOAL = 1.5


def prepare(path: Path, guarantors: int) -> int:
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    p = generate(engine, guarantors)
    with SqlUnitOfWork(engine) as u:
        roster.ensure_defaults(u, p)
        u.commit()
    with SqlUnitOfWork(engine) as u:
        roster.populate(u, BOSS, p, DAY0)
    with SqlUnitOfWork(engine) as u:
        s = u.session
        approved = s.execute(text("SELECT approved_status FROM roster_settings WHERE practice_id = :p"),
                             {"p": p}).scalar_one()
        s.execute(text("UPDATE roster_account SET status_code = :a WHERE practice_id = :p AND active = TRUE"),
                  {"a": approved, "p": p})
        s.execute(text("UPDATE practice SET nonprofit_501r = TRUE, fap_summary = 'We help.' WHERE id = :p"), {"p": p})
        s.execute(text("""INSERT INTO statement (practice_id, source_id, guarantor_id, encounter_id, date,
                          dunning_level) SELECT practice_id, 'S' || id, id, NULL, :d, 0 FROM guarantor
                          WHERE practice_id = :p"""),
                  {"p": p, "d": DAY0.isoformat()})
        s.execute(text("""INSERT INTO eca_notice (practice_id, guarantor_id, printed_date, deadline, action, file_name,
                          operator, created_at) SELECT practice_id, id, :d, :dl, 'report', 'n.pdf', 'bench', :at
                          FROM guarantor WHERE practice_id = :p"""),
                  {"p": p, "d": (DAY0 + dt.timedelta(days=10)).isoformat(),
                   "dl": (DAY0 + dt.timedelta(days=40)).isoformat(), "at": "2026-06-11 12:00:00"})
        s.execute(text("""INSERT INTO contact_log (practice_id, guarantor_id, outcome, called_at, call_date, flags,
                          operator, business_date, created_at) SELECT practice_id, id, 'conversation', :at, :d, '',
                          'bench', :d, :at FROM guarantor WHERE practice_id = :p"""),
                  {"p": p, "d": (DAY0 + dt.timedelta(days=20)).isoformat(), "at": "2026-06-21 15:00:00"})
        u.commit()
    for source, kinds in (("ECA", "credit_reporting"), ("PLAIN", "none")):
        with SqlUnitOfWork(engine) as u:
            agency_files.save_agency(u, BOSS, p, source, DAY0, name=f"{source} Agency", baa_signed=DAY0)
        with SqlUnitOfWork(engine) as u:
            compliance_settings.set_agency_eca(u, BOSS, p, source, [kinds], DAY0)
    engine.dispose()
    return p


def turn_over(source: Path, copy: Path, p: int, agency: str, drop_calls: bool) -> tuple[float, float, object]:
    shutil.copyfile(source, copy)
    engine = make_engine(f"sqlite:///{copy}")
    if drop_calls:
        with SqlUnitOfWork(engine) as u:
            u.session.execute(text("DELETE FROM contact_log WHERE guarantor_id % 10 = 0"))
            u.commit()
    with SqlUnitOfWork(engine) as u:
        wall, cpu = time.perf_counter(), time.process_time()
        r = roster.turnover(u, BOSS, p, TURNOVER, copy.parent, agency=agency, confirmed=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    return wall, cpu, r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guarantors", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-eca-"))
    source = tmp / "source.db"
    start = time.perf_counter()
    p = prepare(source, args.guarantors)
    print(f"sqlite: {args.guarantors} guarantors prepared in {time.perf_counter() - start:.1f} s; "
          f"load average {os.getloadavg()[0]:.2f}")
    runs: dict[str, list[tuple[float, float]]] = {}
    last: dict[str, object] = {}
    cases = (("floor: to PLAIN (no ECA)", "PLAIN", False), ("to ECA, all allowed", "ECA", False),
             ("to ECA, 10% without a call", "ECA", True))
    for _ in range(args.repeat):
        for name, agency, drop in cases:
            wall, cpu, r = turn_over(source, tmp / "copy.db", p, agency, drop)
            runs.setdefault(name, []).append((wall, cpu))
            last[name] = r
    floor_wall = statistics.median(w for w, _ in runs[cases[0][0]])
    floor_cpu = statistics.median(c for _, c in runs[cases[0][0]])
    for name, _agency, _drop in cases:
        wall = statistics.median(w for w, _ in runs[name])
        cpu = statistics.median(c for _, c in runs[name])
        r = last[name]
        left = ", ".join(f"{c.code} {c.count}" for c in r.tally.excluded) or "none"  # type: ignore[attr-defined]
        ratio = cpu / floor_cpu
        ok = "✔" if ratio <= GOAL else "✘"
        mark = "" if name.startswith("floor") else f"  {ratio:.2f}x CPU (goal <= {GOAL}x) {ok}"
        print(f"  {name}: {r.accounts} accounts turned over, kept back: {left}; "  # type: ignore[attr-defined]
              f"wall {wall:.2f} s ({wall / floor_wall:.2f}x), CPU {cpu:.2f} s{mark}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
