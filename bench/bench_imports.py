"""Benchmark: the CSV import (SPEC 11) against inserting the same rows bare, measured in the same run.

    python bench/bench_imports.py [--sizes small,medium,large] [--runs 3] [--pg URL]

A generated folder of one practice (a guarantor per 5 service lines, an encounter per 2.5 lines,
a transaction per line, a statement per guarantor) at three sizes: 10,000, 30,000 and 100,000
service lines (28,001, 84,001 and 280,001 CSV rows). For each size and run, on a fresh database:

  * floor: the same rows inserted bare, in one transaction: the files read with csv.reader,
    amounts and ids turned into integers, the balance caches summed in Python, then one
    executemany per table on SQLite (COPY per table on PostgreSQL). It writes exactly the rows
    the first import leaves (entities with their balances, one charge per line, one posting per
    transaction), so the ratio is the cost of the import's checks, lookups and bookkeeping.
  * first import (all new)            goal <= 3x the floor
  * the same folder again (unchanged) goal <= 0.1x the first import
  * the folder with one line's amount changed: exactly that change (the counts are checked)
Wall and CPU seconds (CPU: this process, so on PostgreSQL the server's work is not in it), the
median of --runs runs with min and max, time per 1,000 CSV rows at each size, and whether any step
grows faster than linear (per-1,000 time more than 1.25x that of the size before it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import security
from core.imports import import_folder
from core.money import format_plain
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

AS_OF = dt.date(2026, 11, 23)
SIZES = {"small": 10_000, "medium": 30_000, "large": 100_000}
GOAL_FIRST, GOAL_AGAIN, GROWTH = 3.0, 0.1, 1.25
CHANGED_LINE = 7


def write(folder: Path, name: str, header: str, rows: list[str]) -> None:
    (folder / name).write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def line_amount(i: int) -> int:
    return 5000 + (i * 37) % 20000


def make_folder(folder: Path, lines: int) -> int:
    """One practice; a guarantor per 5 lines, an encounter per 2.5 lines, a transaction per line.
    Returns the number of CSV data rows."""
    folder.mkdir(parents=True, exist_ok=True)
    guarantors, encounters = lines // 5, lines * 2 // 5
    day = dt.date(2025, 1, 1)
    write(folder, "practices.csv", "practice_id,name", ["P1,Bench Practice"])
    write(folder, "guarantors.csv",
          "guarantor_id,practice_id,kind,name,birth_date,address1,city,state,zip,returned_mail",
          [f"G{i},P1,{'employer' if i % 50 == 0 else 'patient'},Person {i},1970-01-01,"
           f"{i} Main St,Springfield,IL,62701,N" for i in range(guarantors)])
    write(folder, "encounters.csv", "encounter_id,practice_id,guarantor_id,patient_name,dos,case_id",
          [f"E{i},P1,G{i % guarantors},Patient {i},{day + dt.timedelta(days=i % 600)},C{i}" for i in range(encounters)])
    write_lines(folder, lines, {})
    write(folder, "transactions.csv", "transaction_id,guarantor_id,line_id,date,kind,source,amount,adjustment_code",
          [f"T{i},G{(i % encounters) % guarantors},{'' if i % 10 == 0 else f'L{i}'},"
           f"{day + dt.timedelta(days=i % 600 + 30)},{'adjustment' if i % 7 == 0 else 'payment'},patient,"
           f"{format_plain(1000 + i % 3000)},{'CO45' if i % 7 == 0 else ''}"
           for i in range(lines)])
    write(folder, "statements.csv", "statement_id,guarantor_id,date,dunning_level",
          [f"S{i},G{i},{day + dt.timedelta(days=200)},1" for i in range(guarantors)])
    return 1 + guarantors + encounters + lines + lines + guarantors


def write_lines(folder: Path, lines: int, amounts: dict[int, int]) -> None:
    encounters, day = lines * 2 // 5, dt.date(2025, 1, 1)
    write(folder, "service_lines.csv", "line_id,encounter_id,procedure_code,amount,posted_date,responsibility",
          [f"L{i},E{i % encounters},99213,{format_plain(amounts.get(i, line_amount(i)))},"
           f"{day + dt.timedelta(days=i % 600 + 2)},{'insurance' if i % 4 == 0 else 'guarantor'}"
           for i in range(lines)])


# ---------------------------------------------------------------------------------------------
# The floor: the same rows, bare.

def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _read(folder: Path, name: str) -> Iterator[list[str]]:
    with (folder / name).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        yield from reader


def floor_rows(folder: Path, journal_id: int, postgres: bool) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row the first import leaves, with its ids and balances, table by table."""
    day: Callable[[str], Any] = dt.date.fromisoformat if postgres else str  # SQLite keeps ISO text
    practices: dict[str, int] = {}
    practice_rows = []
    for pid, name in _read(folder, "practices.csv"):
        practices[pid] = len(practices) + 1
        practice_rows.append((practices[pid], pid, name, False, True, True, True, "patient", "WO", 1))
    g_ids: dict[str, int] = {}
    g_rows = []
    for gid, pid, kind, name, birth, addr, city, state, zip_, returned in _read(folder, "guarantors.csv"):
        g_ids[gid] = len(g_ids) + 1
        g_rows.append([g_ids[gid], practices[pid], gid, kind, name, day(birth), addr, city, state, zip_,
                       returned == "Y", 0, 1, 0, 0, 0, 0])
    e_ids: dict[str, int] = {}
    e_rows, e_facts = [], []
    for eid, pid, gid, patient, dos, case in _read(folder, "encounters.csv"):
        e_ids[eid] = len(e_ids) + 1
        e_rows.append([e_ids[eid], practices[pid], eid, g_ids[gid], patient, day(dos), case, 0, 0, 1, 0, 0, 0])
        e_facts.append((g_ids[gid], dos, case))
    l_ids: dict[str, int] = {}
    l_rows: list[list[Any]] = []
    txn_rows: list[tuple[Any, ...]] = []
    for lid, eid, code, amount, posted, resp in _read(folder, "service_lines.csv"):
        e = e_ids[eid]
        g, dos, case = e_facts[e - 1]
        cents = _cents(amount)
        l_ids[lid] = len(l_ids) + 1
        l_rows.append([l_ids[lid], 1, lid, e, g, day(dos), case, code, cents, day(posted), resp, 1, cents, 0])
        txn_rows.append((len(txn_rows) + 1, 1, journal_id, None, g, l_ids[lid], day(posted), "charge", "system",
                         "charge", "ar", cents, None))
    for tid, gid, lid, date, kind, source, amount, code in _read(folder, "transactions.csv"):
        cents, g = _cents(amount), g_ids[gid]
        line = l_ids[lid] if lid else None
        if line is None:
            g_rows[g - 1][16] += cents  # escrow
        else:
            l_rows[line - 1][12] -= cents
        txn_rows.append((len(txn_rows) + 1, 1, journal_id, tid, g, line, day(date), kind, source, "ar",
                         "paid" if kind == "payment" else "adjusted", cents, code or None))
    for row in l_rows:  # the caches: line -> encounter (guarantor or insurance A/R) -> guarantor
        enc, gua = e_rows[row[3] - 1], g_rows[row[4] - 1]
        slot = 10 if row[10] == "guarantor" else 11
        enc[slot] += row[12]
        gua[slot + 3] += row[12]
    s_rows = [(i + 1, 1, sid, g_ids[gid], None, day(date), int(level))
              for i, (sid, gid, date, level) in enumerate(_read(folder, "statements.csv"))]
    return {
        "practice": (["id", "source_id", "name", "employer_collections", "precollections_on", "external_on",
                      "roster_on", "aging_basis", "write_off_code", "version"], practice_rows),
        "guarantor": (["id", "practice_id", "source_id", "kind", "name", "birth_date", "address1", "city",
                       "state", "zip", "returned_mail", "dunning_level", "version", "ar_cents", "ins_ar_cents",
                       "collections_cents", "escrow_cents"], [tuple(r) for r in g_rows]),
        "encounter": (["id", "practice_id", "source_id", "guarantor_id", "patient_name", "dos", "case_id",
                       "dunning_count", "statements_sent", "version", "ar_cents", "ins_ar_cents",
                       "collections_cents"], [tuple(r) for r in e_rows]),
        "service_line": (["id", "practice_id", "source_id", "encounter_id", "guarantor_id", "dos", "case_id",
                          "procedure_code", "amount_cents", "posted_date", "responsibility", "version",
                          "ar_cents", "collections_cents"], [tuple(r) for r in l_rows]),
        "ledger_txn": (["id", "practice_id", "journal_id", "source_id", "guarantor_id", "line_id", "date",
                        "kind", "source", "bucket_from", "bucket_to", "amount_cents", "adjustment_code"],
                       txn_rows),
        "statement": (["id", "practice_id", "source_id", "guarantor_id", "encounter_id", "date",
                       "dunning_level"], s_rows),
    }


def run_floor(url: str, folder: Path) -> tuple[float, float, int]:
    """Seconds (wall, CPU) to insert the folder's rows bare, and how many rows that was."""
    engine = make_engine(url)
    postgres = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        wall, cpu = time.perf_counter(), time.process_time()
        if not postgres:
            cur.execute("BEGIN IMMEDIATE")
        cur.execute("INSERT INTO journal (id, kind, operator, business_date, created_at, txn_count, total_cents) "
                    "VALUES (1, 'import', 'bench', '2026-11-23', '2026-11-23 00:00:00', 0, 0)")
        written = 0
        for table, (columns, rows) in floor_rows(folder, 1, postgres).items():
            written += len(rows)
            if postgres:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        if postgres:
            raw.commit()
        else:
            cur.execute("COMMIT")
        return time.perf_counter() - wall, time.process_time() - cpu, written
    finally:
        raw.close()
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# The product.

def timed_import(engine: Any, actor: Any, folder: Path) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    with SqlUnitOfWork(engine) as u:
        result = import_folder(u, actor, folder, AS_OF)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_product(url: str, folder: Path, lines: int) -> dict[str, tuple[float, float]]:
    engine = make_engine(url)
    try:
        with SqlUnitOfWork(engine) as u:
            actor = security.bootstrap_admin(u, "bench")
            u.commit()
        out = {}
        w, c, _first = timed_import(engine, actor, folder)
        out["first"] = (w, c)
        w, c, again = timed_import(engine, actor, folder)
        out["again"] = (w, c)
        assert again.money.txns == 0 and all(f.inserted == f.updated == 0 for f in again.files.values()), again
        old = line_amount(CHANGED_LINE)
        write_lines(folder, lines, {CHANGED_LINE: old + 1234})
        try:
            w, c, changed = timed_import(engine, actor, folder)
        finally:
            write_lines(folder, lines, {})
        out["changed"] = (w, c)
        counts = changed.files["service_lines.csv"]
        assert (counts.inserted, counts.updated) == (0, 1), changed.as_dict()
        assert changed.money.txns == 1 and changed.money.charge_corrections == 1234, changed.as_dict()
        assert all(f.inserted == f.updated == 0 for n, f in changed.files.items() if n != "service_lines.csv")
        return out
    finally:
        engine.dispose()


@contextmanager
def database(pg: str | None, tmp: Path, name: str) -> Iterator[str]:
    if pg is None:
        path = tmp / f"{name}.db"
        engine = make_engine(f"sqlite:///{path}")
        schema.upgrade(engine)
        engine.dispose()
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from tests.pg_scratch import scratch_database
    with scratch_database(pg, f"recoup_bench_import_{name}") as url:
        yield url


# ---------------------------------------------------------------------------------------------

def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.2f}") -> str:
    v = sorted(x * scale for x in values)
    return f"{fmt.format(statistics.median(v))} ({fmt.format(v[0])}-{fmt.format(v[-1])})"


def mark(ok: bool) -> str:
    return "✔" if ok else "✘"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", help="a PostgreSQL URL: run on scratch databases beside it instead of SQLite")
    a = ap.parse_args(argv)
    sizes = [s.strip() for s in a.sizes.split(",")]
    kind = "PostgreSQL" if a.pg else "SQLite"
    print(f"import benchmark on {kind}, {a.runs} runs per size (median (min-max)); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    per_k: dict[str, dict[str, float]] = {}
    per_k_cpu: dict[str, dict[str, float]] = {}
    ok = True
    for size in sizes:
        lines = SIZES[size]
        runs: dict[str, list[tuple[float, float]]] = {"floor": [], "first": [], "again": [], "changed": []}
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            folder = tmp / "in"
            rows = make_folder(folder, lines)
            written = 0
            for _ in range(a.runs):
                with database(a.pg, tmp, "floor") as url:
                    w, c, written = run_floor(url, folder)
                    runs["floor"].append((w, c))
                with database(a.pg, tmp, "product") as url:
                    for step, figures in run_product(url, folder, lines).items():
                        runs[step].append(figures)
        wall = {k: [w for w, _ in v] for k, v in runs.items()}
        cpu = {k: [c for _, c in v] for k, v in runs.items()}
        med = {k: statistics.median(v) for k, v in wall.items()}
        first_ratio = med["first"] / med["floor"]
        again_ratio = med["again"] / med["first"]
        per_k[size] = {k: v * 1000 / rows * 1000 for k, v in med.items()}
        per_k_cpu[size] = {k: statistics.median(v) * 1000 / rows * 1000 for k, v in cpu.items()}
        ok = ok and first_ratio <= GOAL_FIRST and again_ratio <= GOAL_AGAIN
        print(f"\n{size}: {lines:,} service lines, {rows:,} CSV rows; the floor writes {written:,} rows "
              f"(load average now {os.getloadavg()[0]:.1f})")
        print(f"  {'':<30} {'wall s':>22} {'cpu s':>22} {'ms per 1,000 rows':>18}")
        for step, label in (("floor", "floor (bare inserts)"), ("first", "first import"),
                            ("again", "unchanged re-import"), ("changed", "one line changed")):
            print(f"  {label:<30} {spread(wall[step]):>22} {spread(cpu[step]):>22} {per_k[size][step]:>18.1f}")
        cpu_first = statistics.median(cpu["first"]) / statistics.median(cpu["floor"])
        cpu_again = statistics.median(cpu["again"]) / statistics.median(cpu["first"])
        print(f"  first import / floor: {first_ratio:.2f}x wall, {cpu_first:.2f}x cpu "
              f"(goal <= {GOAL_FIRST:g}x) {mark(first_ratio <= GOAL_FIRST)}")
        print(f"  unchanged re-import / first import: {again_ratio:.3f}x wall, {cpu_again:.3f}x cpu "
              f"(goal <= {GOAL_AGAIN:g}x) {mark(again_ratio <= GOAL_AGAIN)}")
        print(f"  one line changed / first import: {med['changed'] / med['first']:.3f}x wall "
              "(exactly that line updated and one correction posted: checked)")
    if len(sizes) > 1:
        # Judged on CPU time on SQLite, which does all its work in this process and is less swayed
        # by the load of a shared machine than wall time; on PostgreSQL (whose server's work this
        # process's CPU time does not see) on wall time.
        judged = "wall" if a.pg else "cpu"
        print("\ngrowth, ms per 1,000 rows from one size to the next "
              f"(goal: no step more than {GROWTH:g}x the one before, i.e. linear; judged on {judged} time)")
        for kind_of_time, table in (("wall", per_k), ("cpu", per_k_cpu)):
            for step in ("floor", "first", "again"):
                steps = [table[s][step] for s in sizes]
                growths = [b / a for a, b in itertools.pairwise(steps)]
                good = all(g <= GROWTH for g in growths)
                if step == "floor" or kind_of_time != judged:
                    verdict = "(for reference)"
                else:
                    verdict = mark(good)
                    ok = ok and good
                print(f"  {kind_of_time:<4} {step:<8} " + " -> ".join(f"{s:.1f}" for s in steps)
                      + f"  steps {', '.join(f'{g:.2f}x' for g in growths)} {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
