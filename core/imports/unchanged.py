"""Files that have not changed since they were imported: known without reading them again.

Each import records, per file name, the SHA-256 of the bytes it imported, their row count and the
*state* of the imported tables after it: per table its row count, highest id and the sum of its
versions (every change of an imported column bumps its row's version), and for the ledger the
count and highest id of the transactions that carry a source id (only an import gives or takes
one). A file of a later import is skipped, not read, when its bytes are the recorded ones and the
tables are still in the recorded state: every row it holds is then in the database exactly as the
file says, so reading it again could change nothing.

Anything that changed the tables since (an operator's edit, a turnover, another import of any
file) changes the state, and then every file is read and compared row by row as before, so an
edited row is set back to what the file says, exactly as without this shortcut. A service lines
file is read whenever its encounters file is, because lines take their case id (and a blank date
of service) from their encounter.

A skipped file is not checked again: the same bytes passed every check when they were imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import Table, insert, select, text, update

from core.models.imports import ImportFile
from core.uow import UnitOfWork

IMPORT_FILE: Table = ImportFile.__table__  # type: ignore[attr-defined]

CHUNK = 1 << 20
# (table, SQL for its state): count, highest id and the sum of versions, as "count/max/sum".
_STATE = (
    ("practice", "SELECT COUNT(*), MAX(id), SUM(version) FROM practice"),
    ("guarantor", "SELECT COUNT(*), MAX(id), SUM(version) FROM guarantor"),
    ("encounter", "SELECT COUNT(*), MAX(id), SUM(version) FROM encounter"),
    ("service_line", "SELECT COUNT(*), MAX(id), SUM(version) FROM service_line"),
    ("statement", "SELECT COUNT(*), MAX(id), SUM(dunning_level) FROM statement"),
    ("ledger_txn", "SELECT COUNT(source_id), MAX(id), 0 FROM ledger_txn WHERE source_id IS NOT NULL"),
)
# A file that copies values from another file's rows must be read whenever that one is.
READ_WITH = {"service_lines.csv": "encounters.csv"}


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def state(uow: UnitOfWork) -> str:
    """The imported tables' state now, as one short text."""
    conn = uow.session.connection()
    parts = []
    for table, sql in _STATE:
        count, top, total = conn.execute(text(sql)).one()
        parts.append(f"{table}={int(count)}/{int(top or 0)}/{int(total or 0)}")
    return " ".join(parts)


def recorded(uow: UnitOfWork) -> dict[str, tuple[str, int, str]]:
    """File name -> (sha256, rows, state after) of its last import."""
    t = IMPORT_FILE.c
    rows = uow.session.connection().execute(select(t.name, t.sha256, t.rows, t.state)).all()
    return {name: (sha, int(count), after) for name, sha, count, after in rows}


def skippable(sums: dict[str, str], records: dict[str, tuple[str, int, str]], now: str) -> dict[str, int]:
    """The files (name -> rows) whose bytes and tables are as their last import left them."""
    same = {name: records[name][1] for name, sha in sums.items()
            if name in records and records[name][0] == sha and records[name][2] == now}
    for name, other in READ_WITH.items():
        if other in sums and other not in same:
            same.pop(name, None)
    return same


def record(uow: UnitOfWork, operator: str, as_of: dt.date, files: dict[str, tuple[str, int]], after: str) -> None:
    """Remember the files of this import (name -> (sha256, rows)) and the state it leaves."""
    conn = uow.session.connection()
    known = set(recorded(uow))
    for name, (sha, rows) in files.items():
        values = {"sha256": sha, "rows": rows, "state": after, "business_date": as_of,
                  "created_at": uow.now(), "operator": operator}
        if name in known:
            conn.execute(update(IMPORT_FILE).where(IMPORT_FILE.c.name == name).values(**values))
        else:
            conn.execute(insert(IMPORT_FILE).values(name=name, **values))
