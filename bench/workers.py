"""The nightly across worker processes (issue 20 item 7): the office demo's nightly run by 1, 2 and
4 `recoup worker --once` processes at once, wall time for each and the curve.

    python -m bench.workers [--pg URL] [--sqlite] [--encounters N] [--practices 20] [--workers 1,2,4]

The office (db.demo_office: 20 practices; 2,000,000 encounters in the issue, --encounters to measure
at a fraction on a small machine) is built once; every run starts from an identical copy of it
(PostgreSQL: CREATE DATABASE ... TEMPLATE; SQLite: a copy of the file), so each worker count, in
each of --runs rounds (min / median / max printed), does exactly the same work: every practice's
external run (select, post, file) and roster populate for the business date. The floor is the same
nightly run by one worker, in the same run of the bench; the figure is wall time with N workers as a
ratio to it. Every run is checked: each practice's batch done exactly once, and the counts and
dollars each batch recorded equal to the one-worker run's (the money is the same whoever ran it).

Goal: wall time falls with workers until the database saturates — 2 workers <= 0.8x of one, and 4
workers no slower than 2 (<= 1.1x of the 2-worker time). The machine's core count, how busy its
cores were during each run and the load average are printed with the figures: on 2 cores the
database saturates at 2 batches at once, and more only share the cores and contend for the WAL.
`--slots N` gives every worker `recoup worker --slots N` (at most N batches at once in the
database, whichever workers run them): with N the database server's cores, workers past that
wait for a slot instead of slowing every batch. SQLite
(--sqlite) is printed for the record, without a goal: its one write lock runs one batch at a time
whatever the number of workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AS_OF = dt.date(2026, 11, 23)
RECOUP = str(Path(sys.executable).with_name("recoup"))


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} (1/5 min) on {os.cpu_count()} cores"


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of every core since boot, from /proc/stat (Linux); (0, 0) elsewhere."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _busy(before: tuple[int, int], after: tuple[int, int]) -> str:
    """How busy the host's cores were between two readings: at 90 % and more, the machine (here the
    database server too) is saturated, and more workers can only share the same cores."""
    total = after[1] - before[1]
    return f"cores {100 * (after[0] - before[0]) / total:.0f}% busy" if total > 0 else "cores busy: unknown"


def _build(url: str, encounters: int, practices: int) -> float:
    start = time.perf_counter()
    done = subprocess.run([RECOUP, "--db", url, "--as-of", AS_OF.isoformat(), "demo", "--size", "office",
                           "--encounters", str(encounters), "--practices", str(practices), "--no-tui"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"building the office failed: {done.stderr.strip()}")
    print(f"  {done.stdout.strip()}")
    return time.perf_counter() - start


def _run_workers(url: str, n: int, folder: Path, slots: int) -> tuple[float, list[dict[str, object]]]:
    """N worker processes at once for the business date; wall seconds until the last exits."""
    env = {**os.environ, "RECOUP_AGENCY_FILES": str(folder)}
    start = time.perf_counter()
    procs = [subprocess.Popen([RECOUP, "--db", url, "--as-of", AS_OF.isoformat(), "worker", "--once", "--json",
                              "--slots", str(slots)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(n)]
    outs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - start
    for p, (_, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"a worker failed (exit {p.returncode}): {err[-2000:]}")
    rows = [r | {"worker": i} for i, (out, _) in enumerate(outs) for r in json.loads(out)]
    return seconds, rows


def _recorded(url: str) -> dict[tuple[str, str], str]:
    """What each batch recorded (counts and dollars, without run ids), from the claims."""
    from sqlalchemy import text

    from db.engine import make_engine
    eng = make_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT p.source_id, r.kind, r.outcome, r.summary FROM run_lock r "
                                 "JOIN practice p ON p.id = r.practice_id")).all()
    eng.dispose()
    out = {}
    for source, kind, outcome, summary in rows:
        kept = {k: v for k, v in json.loads(summary or "{}").items() if k not in ("run", "tally")}
        out[(str(source), str(kind))] = f"{outcome} {json.dumps(kept, sort_keys=True)}"
    return out


@contextmanager
def _pg_copies(base: str, encounters: int, practices: int) -> Iterator[object]:
    from sqlalchemy.engine import make_url

    from db.engine import normalise_url
    from tests.pg_scratch import admin_sql, scratch_database
    with scratch_database(base, "recoup_bench_office") as template:
        print(f"building the office on PostgreSQL ({practices} practices, {encounters:,} encounters)…", flush=True)
        print(f"  built in {_build(template, encounters, practices):.1f} s; {_load()}", flush=True)
        name = make_url(template).database
        made: list[str] = []

        @contextmanager
        def copy(tag: str) -> Iterator[str]:
            copy_name = f"{name}_{tag}"
            admin_sql(base, f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"')
            made.append(copy_name)
            try:
                yield make_url(normalise_url(base)).set(database=copy_name).render_as_string(hide_password=False)
            finally:
                admin_sql(base, f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
        yield copy


@contextmanager
def _sqlite_copies(encounters: int, practices: int) -> Iterator[object]:
    with tempfile.TemporaryDirectory(prefix="recoup-bench-office-") as tmp:
        template = Path(tmp) / "office.db"
        print(f"building the office on SQLite ({practices} practices, {encounters:,} encounters)…", flush=True)
        print(f"  built in {_build(f'sqlite:///{template}', encounters, practices):.1f} s; {_load()}", flush=True)

        @contextmanager
        def copy(tag: str) -> Iterator[str]:
            path = Path(tmp) / f"office_{tag}.db"
            shutil.copyfile(template, path)
            try:
                yield f"sqlite:///{path}"
            finally:
                path.unlink(missing_ok=True)
        yield copy


def _curve(label: str, copies: object, counts: list[int], practices: int, goal: bool, runs: int,
           slots: int) -> bool:
    print(f"\n{label}: the nightly of {AS_OF.isoformat()} for the whole office, by N workers at once")
    times: dict[int, list[float]] = {n: [] for n in counts}
    reference: dict[tuple[str, str], str] | None = None
    ok = True
    for r in range(1, runs + 1):
        for n in counts:
            with copies(f"w{n}") as url, tempfile.TemporaryDirectory(prefix="recoup-bench-files-") as files:  # type: ignore[operator]
                before, ticks = _load(), _cpu_ticks()
                seconds, rows = _run_workers(url, n, Path(files), slots)
                busy = _busy(ticks, _cpu_ticks())
                done = Counter((r["practice"], r["kind"]) for r in rows if r["outcome"] == "done")
                by_worker = Counter(r["worker"] for r in rows if r["outcome"] == "done")
                recorded = _recorded(url)
            once = len(done) == 2 * practices and set(done.values()) == {1}
            same = reference is None or recorded == reference
            reference = reference or recorded
            ok = ok and once and same
            times[n].append(seconds)
            print(f"  run {r} · {n} worker{'s' if n > 1 else ' '}: {seconds:7.1f} s = "
                  f"{seconds / times[counts[0]][-1]:.2f}x of {counts[0]} · batches per worker "
                  f"{sorted(by_worker.values(), reverse=True)} · each batch once {'✔' if once else '✘'} · counts "
                  f"and dollars as in the first run {'✔' if same else '✘'} · {busy} · {before} → {_load()}", flush=True)
    median = {n: statistics.median(ts) for n, ts in times.items()}
    bar = max(median.values())
    print(f"  the curve (median of {runs} run{'s' if runs > 1 else ''}; min to max):")
    for n in counts:
        print(f"  {n:>2} │{'█' * max(1, round(40 * median[n] / bar)):<40}│ {median[n]:.1f} s "
              f"({min(times[n]):.1f} to {max(times[n]):.1f}) = {median[n] / median[counts[0]]:.2f}x of {counts[0]}")
    if goal and {1, 2, 4} <= set(median):
        two, four = median[2] / median[1], median[4] / median[2]
        print(f"  goal: 2 workers <= 0.8x of 1: {two:.2f}x {'✔' if two <= 0.8 else '✘'}; "
              f"4 workers <= 1.1x of 2: {four:.2f}x {'✔' if four <= 1.1 else '✘'}")
        ok = ok and two <= 0.8 and four <= 1.1
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", default=os.environ.get("RECOUP_TEST_POSTGRES_URL",
                                                   "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument("--sqlite", action="store_true", help="also run on SQLite (for the record: no goal)")
    ap.add_argument("--encounters", type=int, default=2_000_000,
                    help="the office's encounters (the issue's 2,000,000 by default; a fraction on a small machine)")
    ap.add_argument("--practices", type=int, default=20)
    ap.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated (the first is the floor)")
    ap.add_argument("--slots", type=int, default=0,
                    help="every worker's --slots: at most N batches at once in the database (0: no limit)")
    ap.add_argument("--runs", type=int, default=3, help="runs of the whole curve on the same office (default 3)")
    a = ap.parse_args()
    counts = [int(n) for n in a.workers.split(",")]
    with_slots = f", at most {a.slots} batches at once (--slots)" if a.slots else ", no limit of batches at once"
    print(f"workers benchmark: office of {a.practices} practices, {a.encounters:,} encounters"
          f"{'' if a.encounters >= 2_000_000 else f' ({a.encounters / 2_000_000:.1%} of the issue size)'}; "
          f"{_load()}")
    ok = True
    if not a.no_pg:
        with _pg_copies(a.pg, a.encounters, a.practices) as copies:
            ok = _curve(f"PostgreSQL{with_slots}", copies, counts, a.practices, goal=True, runs=a.runs,
                        slots=a.slots) and ok
    if a.sqlite:
        with _sqlite_copies(a.encounters, a.practices) as copies:
            ok = _curve(f"SQLite{with_slots}", copies, counts, a.practices, goal=False, runs=a.runs,
                        slots=a.slots) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
