"""Benchmark: what the keyed audit chain's coverage costs a batch, Apply on/off in the same run.

    python bench/audit_chain.py [--encounters 100000] [--repeat 3]
    python bench/audit_chain.py --nightly-db /tmp/recoup_bench_large.db [--as-of 2026-11-24]

Generates the Pre-Collections bench practice (bench/precollections.py), adds every encounter to the
list and marks it Send to Collections, then runs Apply on fresh copies of the SQLite file,
alternating: with the chain as shipped (each commit digests the rows it added, core.audit_cover)
and with coverage turned off (the chain as it was before SPEC 17's coverage: no floors, ranges or
settings digests). Prints min / median / max of each, wall and CPU, the load average, and the
ratios; goal (SPEC 17 issue): at most 1.1x. On a busy machine the CPU ratio is the steadier one
(SQLite works in this process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench import scratch
from bench.precollections import AS_OF, BOSS, Clock, generate, timed
from core import audit_cover
from core import precollections as pc
from core.precollections.criteria import Criteria
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

# What coverage adds to a unit of work, by name (a name a version lacks is skipped, so the same
# floor can be measured on an older checkout): the floors at BEGIN, the ranges and the settings
# digests at commit, and the settings watch (or, before it, the digest at BEGIN).
OFF = {"remember_floors": lambda uow: None, "new_ranges": lambda *a, **k: {},
       "settings_digests": lambda *a, **k: {}, "watch_settings": lambda *a, **k: None,
       "note_foreign_settings": lambda *a, **k: None}


@contextmanager
def coverage_off():  # type: ignore[no-untyped-def]
    """The chain without its coverage (rows and settings): entries chained and signed, nothing more."""
    saved = {name: getattr(audit_cover, name) for name in OFF if hasattr(audit_cover, name)}
    for name in saved:
        setattr(audit_cover, name, OFF[name])
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(audit_cover, name, fn)


def apply_once(path: Path, i: int, off: bool) -> Clock:
    copy = path.with_suffix(f".apply{i}")
    shutil.copyfile(path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    with SqlUnitOfWork(engine) as u:
        p = int(u.session.execute(text("SELECT id FROM practice WHERE source_id = 'BENCH'")).scalar_one())
        if off:
            with coverage_off():
                t = timed(lambda: pc.apply(u, BOSS, p, AS_OF, confirmed=True))
        else:
            t = timed(lambda: pc.apply(u, BOSS, p, AS_OF, confirmed=True))
    engine.dispose()
    copy.unlink()
    return t


def nightly_once(db: str, off: bool, as_of: str) -> Clock:
    """`recoup nightly` on a fresh copy of a demo database (in this process, so CPU time counts;
    on PostgreSQL the server's work is in the wall time only)."""
    import contextlib
    import io

    from tui.cli import main as recoup
    with scratch.copy_of(db) as url:
        with contextlib.redirect_stdout(io.StringIO()):  # untimed: a demo built by an older version is
            recoup(["--db", url, "--as-of", as_of, "init"])  # upgraded and sealed (one pass over every row)
        codes: list[int] = []
        with contextlib.redirect_stdout(io.StringIO()), coverage_off() if off else contextlib.nullcontext():
            t = timed(lambda: codes.append(recoup(["--db", url, "--as-of", as_of, "nightly"])))
    if codes != [0]:
        raise SystemExit(f"recoup nightly on a copy of {db} exited {codes}")
    return t


def nightly(db: str, repeat: int, as_of: str) -> None:
    on: list[Clock] = []
    off: list[Clock] = []
    for _ in range(repeat):  # alternating, as for Apply
        on.append(nightly_once(db, False, as_of))
        off.append(nightly_once(db, True, as_of))
    report(f"nightly run on {db if scratch.is_postgres(db) else Path(db).name} at {as_of}", on, off)


def _spread(clocks: list[Clock], attr: str) -> tuple[float, float, float]:
    values = sorted(getattr(c, attr) for c in clocks)
    return values[0], statistics.median(values), values[-1]


def report(what: str, on: list[Clock], off: list[Clock]) -> None:
    """Min / median / max of each side, wall and CPU, and the ratios of the minima and medians."""
    print(f"{what}, {len(on)} runs each, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}:")
    for attr in ("wall", "cpu"):
        a, b = _spread(on, attr), _spread(off, attr)
        print(f"  {attr:4}: with coverage {a[0]:.3f} / {a[1]:.3f} / {a[2]:.3f} s, without {b[0]:.3f} / {b[1]:.3f} / "
              f"{b[2]:.3f} s (min / median / max): {a[0] / b[0]:.2f}x at the minimum, {a[1] / b[1]:.2f}x at the "
              f"median (goal <= 1.1x) {'✔' if a[0] / b[0] <= 1.1 else '✘'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nightly-db", metavar="DB",
                    help="instead: the nightly run on copies of this demo database (e.g. the large demo; a "
                         "SQLite file or a PostgreSQL URL)")
    ap.add_argument("--as-of", default="2026-11-24", help="the nightly run's business date")
    args = ap.parse_args()
    os.environ.setdefault("RECOUP_ANCHORS", tempfile.mkdtemp(prefix="recoup-bench-anchors-"))  # not the user's
    if args.nightly_db:
        nightly(args.nightly_db, args.repeat, args.as_of)
        return
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-chain-"))
    path = tmp / "bench.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    p = generate(engine, args.encounters)
    with SqlUnitOfWork(engine) as u:
        pc.add_tasks(u, BOSS, p, Criteria(balance_for="patient"), AS_OF)
    with SqlUnitOfWork(engine) as u:
        pc.set_action(u, BOSS, p, "send-to-collections", AS_OF, filt=pc.TaskFilter())
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    on: list[Clock] = []
    off: list[Clock] = []
    for i in range(args.repeat):  # alternating, so a busy spell of the machine hits both alike
        on.append(apply_once(path, 2 * i, off=False))
        off.append(apply_once(path, 2 * i + 1, off=True))
    report(f"Apply Send to Collections ({args.encounters:,} tasks)", on, off)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
