"""Benchmark: import ~100k service lines and ~100k transactions into a fresh SQLite file.

Prints the seconds of the first import (everything new), of the same folder again (everything
unchanged: the idempotent path), and the floor measured in the same run: just reading the CSV
files with the csv module. Run: /work/venv/bin/python bench/bench_imports.py [lines]
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from core import security
from core.imports import import_folder
from core.money import format_plain
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

AS_OF = dt.date(2026, 11, 23)


def write(folder: Path, name: str, header: str, rows: list[str]) -> None:
    (folder / name).write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def make_folder(folder: Path, lines: int) -> None:
    """One practice; a guarantor per 5 lines, an encounter per 2.5 lines, a transaction per line."""
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
    write(folder, "service_lines.csv", "line_id,encounter_id,procedure_code,amount,posted_date,responsibility",
          [f"L{i},E{i % encounters},99213,{format_plain(5000 + (i * 37) % 20000)},"
           f"{day + dt.timedelta(days=i % 600 + 2)},{'insurance' if i % 4 == 0 else 'guarantor'}"
           for i in range(lines)])
    write(folder, "transactions.csv", "transaction_id,guarantor_id,line_id,date,kind,source,amount,adjustment_code",
          [f"T{i},G{(i % encounters) % guarantors},{'' if i % 10 == 0 else f'L{i}'},"
           f"{day + dt.timedelta(days=i % 600 + 30)},{'adjustment' if i % 7 == 0 else 'payment'},patient,"
           f"{format_plain(1000 + i % 3000)},{'CO45' if i % 7 == 0 else ''}"
           for i in range(lines)])
    write(folder, "statements.csv", "statement_id,guarantor_id,date,dunning_level",
          [f"S{i},G{i},{day + dt.timedelta(days=200)},1" for i in range(guarantors)])


def read_floor(folder: Path) -> float:
    start = time.perf_counter()
    for path in folder.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            for _ in csv.reader(fh):
                pass
    return time.perf_counter() - start


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        make_folder(folder, lines)
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        schema.upgrade(engine)
        with SqlUnitOfWork(engine) as u:
            actor = security.bootstrap_admin(u, "bench")
            u.commit()
        floor = read_floor(folder)
        for label in ("first import (all new)", "second import (unchanged)"):
            start = time.perf_counter()
            with SqlUnitOfWork(engine) as u:
                result = import_folder(u, actor, folder, AS_OF)
            took = time.perf_counter() - start
            print(f"{label}: {took:.2f} s ({took / floor:.0f}x the csv read floor of {floor:.2f} s); "
                  f"{result.money.txns} transactions posted")
        engine.dispose()


if __name__ == "__main__":
    main()
