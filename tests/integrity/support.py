"""Helpers shared by the integrity tests: run the CLI in-process, fingerprint a database."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text

from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]
RECOUP = [sys.executable, "-m", "tui.cli"] if not (Path(sys.executable).parent / "recoup").exists() \
    else [str(Path(sys.executable).parent / "recoup")]


def run_cli(db: Path | str, *argv: str) -> tuple[int, str, str]:
    """`recoup --db ... argv` in this process: (exit status, stdout, stderr)."""
    from tui.cli import main
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["--db", url, *argv])
        except SystemExit as e:  # argparse
            code = e.code if isinstance(e.code, int) else 2
    return int(code or 0), out.getvalue(), err.getvalue()


def run_process(db: Path, *argv: str, cwd: Path | None = None, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*RECOUP, "--db", f"sqlite:///{db}", *argv], cwd=cwd or db.parent, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# The business date every integrity demo is built at: the tests then work it at this date and
# after it, whatever the machine's clock says (without --as-of the CLI takes the machine's date).
DEMO_AS_OF = TODAY.isoformat()


def build_demo(folder: Path, size: str, as_of: str = DEMO_AS_OF) -> Path:
    db = folder / "demo.db"   # its files beside it: a session fixture builds it before any test's environment
    code, out, err = run_cli(db, "--as-of", as_of, "demo", "--size", size, "--no-tui", "--out", str(folder / "files"))
    assert code == 0, out + err
    return db


# Tables whose content is the state of the business (not run bookkeeping). Per table: a count and
# the sums of its money / state columns, excluding timestamps and run or journal ids, which differ
# between an interrupted-then-rerun history and an uninterrupted one.
FINGERPRINT = {
    "ledger_txn": "SELECT kind, bucket_from, bucket_to, COUNT(*), SUM(amount_cents) FROM ledger_txn "
                  "GROUP BY kind, bucket_from, bucket_to",
    "service_line": "SELECT COUNT(*), SUM(ar_cents), SUM(collections_cents), SUM(amount_cents) FROM service_line",
    "encounter": "SELECT COUNT(*), SUM(ar_cents), SUM(collections_cents), SUM(ins_ar_cents) FROM encounter",
    "guarantor": "SELECT COUNT(*), SUM(ar_cents), SUM(collections_cents), SUM(escrow_cents), "
                 "COUNT(DISTINCT billing_group) FROM guarantor",
    "precollection_task": "SELECT state, on_list, action, COUNT(*), SUM(task_no), SUM(encounter_id), "
                          "COUNT(batch_no) FROM precollection_task GROUP BY state, on_list, action",
    "external_placement": "SELECT state, active, COUNT(*), SUM(line_id), SUM(agency_id) FROM external_placement "
                          "GROUP BY state, active",
    "roster_account": "SELECT status_code, active, turned_over, COUNT(*), SUM(guarantor_id), SUM(episode) "
                      "FROM roster_account GROUP BY status_code, active, turned_over",
    "letter_queue": "SELECT COUNT(*) FROM letter_queue",
    "precollection_history": "SELECT from_state, to_state, COUNT(*), SUM(amount_cents) FROM precollection_history "
                             "GROUP BY from_state, to_state",
    "roster_history": "SELECT COUNT(*) FROM roster_history",
    "external_history": "SELECT COUNT(*) FROM external_history",
    "practice": "SELECT COUNT(*) FROM practice",
    "operator": "SELECT COUNT(*) FROM operator",
    "agency": "SELECT COUNT(*) FROM agency",
    "agency_assignment": "SELECT COUNT(*) FROM agency_assignment",
    "roster_settings": "SELECT COUNT(*) FROM roster_settings",
    "collection_status": "SELECT COUNT(*) FROM collection_status",
    "payment_plan": "SELECT COUNT(*) FROM payment_plan",
    "audit_entry": "SELECT COUNT(*) FROM audit_entry",
}


def _sortable(row: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in row)


def fingerprint(engine: Engine, tables: tuple[str, ...] | None = None) -> dict[str, list[tuple]]:
    """Counts and sums per table and state: equal fingerprints mean the same business state."""
    with engine.connect() as conn:
        return {t: sorted((tuple(r) for r in conn.execute(text(sql)).all()), key=_sortable)
                for t, sql in FINGERPRINT.items() if tables is None or t in tables}


def copy_db(src: Path, dst: Path) -> Path:
    """Copy a SQLite database with the backup API: a plain file copy would miss the transactions
    still in its write-ahead log (recoup.db-wal) and copy a stale database."""
    import sqlite3
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst
