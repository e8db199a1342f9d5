"""Files that have not changed since they were imported: known without reading them again.

Each import records, per file name, the SHA-256 of the bytes it imported, their row count and the
*state* of the database it leaves: the id of the newest audit entry of anything but an import
(every change Recoup makes is audited: an operator's edit, a turnover, a nightly run), read when
the import began, and the highest id of each imported table, read at its end (rows added by
anything). A file of a later import is skipped, not read, when its bytes are the recorded ones
and the state is still the recorded one: every row it holds is then in the database exactly as
the file says, so reading it again could change nothing. Both marks are index look-ups, so this
costs the same on a database of any size.

Another import changes only the rows of the files it reads, and records those files' new bytes,
so a different file under the same name is read again. Anything else that changed the database
since the import changes the state, and then every file is read and compared row by row, so an
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
TABLES = ("practice", "guarantor", "encounter", "service_line", "statement", "ledger_txn")

# A file that copies values from another file's rows must be read whenever that one is.
READ_WITH = {"service_lines.csv": "encounters.csv"}


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def audit_mark(uow: UnitOfWork) -> int:
    """The id of the newest audit entry of anything but an import (0: none)."""
    # Newest first by primary key, a few at a time: a filter on the action (or reading only id
    # and action, which its index covers) would let SQLite scan that index and sort it all.
    conn, below = uow.session.connection(), None
    while True:
        where = "" if below is None else f"WHERE id < {int(below)} "
        rows = conn.execute(text(f"SELECT id, action, entity FROM audit_entry {where}ORDER BY id DESC LIMIT 50")).all()
        for entry_id, action, _ in rows:
            if action != "import":
                return int(entry_id)
        if len(rows) < 50:
            return 0
        below = rows[-1][0]


def state(uow: UnitOfWork, mark: int) -> str:
    """The state to compare and record: the audit mark (read when the import began) and the
    highest id of each imported table now."""
    conn = uow.session.connection()
    tops = [int(conn.execute(text(f"SELECT MAX(id) FROM {table}")).scalar() or 0) for table in TABLES]
    return f"audit={mark} " + " ".join(f"{table}={top}" for table, top in zip(TABLES, tops, strict=True))


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
