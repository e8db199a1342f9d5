"""Run every benchmark and gather its figures: `python -m bench [--large DB] [--pg URL] [--rounds N] [--only NAME ...]`.

Each benchmark runs in its own process (its own memory, its own peak RSS) and prints its figures
next to floors measured in the same run, with the goal and ✔ or ✘. This runner prints each one's
output as it comes, then a summary: every line that names a goal, grouped by benchmark and back
end, with the load average before and after (figures on a busy machine are not comparable with a
quiet machine's; compare ratios, and CPU ratios on SQLite). `--pg URL` (or RECOUP_BENCH_PG_URL)
adds the PostgreSQL runs of the benchmarks that take `--db`; each gets a database of its own,
created and dropped here. `--rounds N` runs the whole selection N times over (round after round,
so a slow spell of the machine touches every benchmark alike) and the summary prints each goal
line once, with its figures as min/median/max of the rounds (bench/rounds.py).

The benchmarks that need the large demo (the guarantor list, the external run and the roster on
it, the rules, the chain's nightly) use `--large` (default /tmp/recoup_large.db; built with
`recoup demo --size large` if missing: about 3 minutes on a quiet 2-core machine); `--pg-large URL`
runs them on PostgreSQL too, on copies of the large demo in that database (built if missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import scratch
from bench.rounds import summary

AS_OF = dt.date(2026, 11, 23)
LARGE = Path("/tmp/recoup_large.db")
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Bench:
    name: str
    module: str
    args: tuple[str, ...] = ()
    pg: bool = False       # also on PostgreSQL (the module takes --db URL)
    large: str = ""        # the option that takes the large demo's path, when it needs it
    server: bool = False   # PostgreSQL only: the module takes the server's URL (--pg) and makes its own databases


BENCHES = (
    Bench("precollections", "precollections", ("--encounters", "10000", "100000", "300000", "--apply-tasks", "300000"),
          pg=True),
    Bench("external", "external", ("--encounters", "10000", "100000", "300000"), pg=True),
    Bench("external-large", "external", (), large="--large"),
    Bench("roster", "roster", ("--guarantors", "10000", "100000", "300000"), pg=True),
    Bench("roster-large", "roster", ("--runs", "1"), large="--large"),
    Bench("rules", "rules", (), large="--large"),
    Bench("imports", "bench_imports", ("--runs", "3")),
    Bench("imports", "bench_imports", ("--runs", "3"), server=True),
    Bench("workers", "workers", ("--runs", "3"), server=True),
    Bench("workers", "workers", ("--runs", "3", "--slots", str(os.cpu_count() or 1)), server=True),
    Bench("exchange", "exchange", ("--placements", "100000"), pg=True),
    Bench("spreadsheet", "spreadsheet", ("--rows", "50000")),
    Bench("letters", "letters", ("10000",)),
    Bench("audit-chain", "audit_chain", ()),
    Bench("audit-chain-large", "audit_chain", (), large="--nightly-db"),
    Bench("eca-turnover", "eca_turnover", ()),
)


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _recoup(*argv: str) -> None:
    subprocess.run([sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main(sys.argv[1:]))",
                    *argv], check=True)


def _ensure_large(db: Path) -> None:
    if db.exists():
        return
    print(f"building the large demo in {db} (minutes)…", flush=True)
    _recoup("--db", str(db), "--as-of", AS_OF.isoformat(), "demo", "--size", "large", "--no-tui")


def _ensure_large_pg(url: str) -> None:
    """The large demo in the PostgreSQL database `url` names, created and built if it has none
    (a quarter of an hour and more)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from db.engine import normalise_url
    from tests.pg_scratch import admin_sql
    try:
        engine = create_engine(normalise_url(url))
        with engine.connect() as conn:
            built = conn.execute(text("SELECT to_regclass('practice') IS NOT NULL")).scalar_one() and \
                conn.execute(text("SELECT EXISTS (SELECT 1 FROM practice)")).scalar_one()
        engine.dispose()
    except OperationalError:  # no such database yet
        target = make_url(normalise_url(url))
        admin_sql(target.set(database="postgres").render_as_string(hide_password=False),
                  f'CREATE DATABASE "{target.database}"')
        built = False
    if not built:
        print(f"building the large demo in {url} (a quarter of an hour and more)…", flush=True)
        _recoup("--db", url, "init")
        _recoup("--db", url, "--as-of", AS_OF.isoformat(), "demo", "--size", "large", "--no-tui")


def _run(label: str, argv: list[str]) -> list[str]:
    """Run one benchmark, echoing its output; return the lines that name a goal."""
    print(f"\n== {label} ({_load()})", flush=True)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=HERE.parent, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    goals = []
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", flush=True)
        if "goal" in line:
            goals.append(line.rstrip())
    if proc.wait():
        goals.append(f"  ✘ exited {proc.returncode}")
    return goals


def _inline(only: set[str], large: Path | None, pg_large: str | None) -> list[tuple[str, list[str]]]:
    """Start-up and the guarantor list run here (each measures its own subprocesses or pty)."""
    out: list[tuple[str, list[str]]] = []
    if large and (not only or "startup" in only):
        from bench import startup
        with tempfile.TemporaryDirectory() as tmp:
            r = startup.run(Path(tmp) / "startup.db")
        mark = "✔" if r["ratio"] <= 1.2 else "✘"
        out.append(("startup", [f"start-up to first paint (pty 80x24): recoup {r['recoup_s'] * 1000:.0f} ms vs "
                                f"minimal Textual app {r['floor_s'] * 1000:.0f} ms = {r['ratio']:.2f}x "
                                f"(goal <= 1.2x) {mark}"]))
    if not only or "list" in only:
        from bench import guarantor_list
        if large:
            _ensure_large(large)
            out.append(("list", guarantor_list.report(guarantor_list.run(large))))
        if pg_large:
            _ensure_large_pg(pg_large)
            out.append(("list (PostgreSQL)", guarantor_list.report(guarantor_list.run(pg_large))))
    for name, lines in out:
        print(f"\n== {name}\n" + "\n".join(lines))
    return out


def _services(db: str | Path):  # type: ignore[no-untyped-def]
    from core import accounts, security
    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    from tui.commands.context import os_login
    from tui.services import Services

    engine = make_engine(str(db) if scratch.is_postgres(db) else f"sqlite:///{db}")

    def uow(write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, write=write)

    with uow() as u:
        practices = accounts.list_practices(u)
        counts = {p.id: accounts.count_guarantors(u, p.id, accounts.GuarantorFilter()) for p in practices}
        actor = security.authenticate(u, os_login())
    biggest = max(practices, key=lambda p: counts[p.id])
    return Services(uow, actor, AS_OF, [biggest] + [p for p in practices if p is not biggest])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--large", type=Path, default=LARGE, help="the large demo (SQLite)")
    parser.add_argument("--pg", default=os.environ.get("RECOUP_BENCH_PG_URL"),
                        help="a PostgreSQL server URL: also run the benchmarks that take --db there")
    parser.add_argument("--pg-large", default=os.environ.get("RECOUP_BENCH_PG_LARGE_URL"),
                        help="a PostgreSQL database URL holding the large demo (built there if missing): also "
                             "run the benchmarks of the large demo on it (copies made with CREATE DATABASE … "
                             "TEMPLATE)")
    parser.add_argument("--office", type=int, default=2_000_000, metavar="ENCOUNTERS",
                        help="the workers bench's office size (the issue's 2,000,000: about an hour to build and "
                             "two more to run on 2 cores; a fraction on a small machine)")
    parser.add_argument("--pg-only", action="store_true",
                        help="with --pg: only the PostgreSQL runs (skip SQLite's and the SQLite-only benchmarks)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every benchmark chosen this many times; the summary gives each figure's "
                             "min/median/max and how many rounds met its goal")
    parser.add_argument("--only", nargs="+", default=[],
                        help=f"names: startup list {' '.join(b.name for b in BENCHES)}")
    args = parser.parse_args()
    only = set(args.only)
    if args.pg_only and not (args.pg or args.pg_large):
        parser.error("--pg-only needs --pg URL or --pg-large URL")
    started = _load()
    rounds = []
    for n in range(args.rounds):
        if args.rounds > 1:
            print(f"\n======== round {n + 1} of {args.rounds} ({_load()})", flush=True)
        rounds.append(_round(args, only))
    print(f"\n==== summary (started at {started}; ended at {_load()})")
    if args.rounds > 1:
        print(f"(figures that differ between the {args.rounds} rounds: min/median/max; the load average before each "
              "bench is in its output above)")
    print("\n".join(summary(rounds)))


def _round(args: argparse.Namespace, only: set[str]) -> list[tuple[str, list[str]]]:
    """Every benchmark chosen, once: (label, its goal lines), in the same order every round."""
    goals = _inline(only, None if args.pg_only else args.large, args.pg_large)
    for b in BENCHES:
        if only and b.name not in only:
            continue
        argv = [sys.executable, "-m", f"bench.{b.module}", *b.args]
        if b.server:
            if args.pg:
                extra = ["--encounters", str(args.office)] if b.name == "workers" else []
                goals.append((f"{b.name} (PostgreSQL)", _run(f"{b.name} (PostgreSQL)",
                                                               [*argv, "--pg", args.pg, *extra])))
            continue
        if b.large:
            if not args.pg_only:
                _ensure_large(args.large)
                goals.append((f"{b.name} (SQLite)", _run(f"{b.name} (SQLite)", [*argv, b.large, str(args.large)])))
            if args.pg_large:
                _ensure_large_pg(args.pg_large)
                goals.append((f"{b.name} (PostgreSQL)", _run(f"{b.name} (PostgreSQL)",
                                                               [*argv, b.large, args.pg_large])))
            continue
        if not args.pg_only:
            goals.append((f"{b.name} (SQLite)", _run(f"{b.name} (SQLite)", argv)))
        if b.pg and args.pg:
            with scratch.database(args.pg) as url:
                goals.append((f"{b.name} (PostgreSQL)", _run(f"{b.name} (PostgreSQL)", [*argv, "--db", url])))
    return goals


if __name__ == "__main__":
    main()
