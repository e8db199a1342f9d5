"""Files the roster writes (printed letters, turnover agency files): private and recorded.

They hold patient names, addresses and balances, so they are created owner-only (0o600), named
with the database identity, and never overwrite an existing file; each is recorded with its
checksum, rows and dollars (`verify` checks they are still there, unaltered).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from core.errors import BadInput
from core.exchange import names
from core.models.roster import RosterFile
from core.uow import UnitOfWork


def write_private(path: Path, data: bytes) -> str:
    """Create `path` readable by its owner only and write `data`; returns the SHA-256. An
    existing file is refused, never overwritten (the operator named this path)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BadInput(f"out: folder {path.parent} does not exist", field="out")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, names.FILE_MODE)
    except FileExistsError:
        raise BadInput(f"out: {path} already exists; choose another name", field="out") from None
    return _fill(path, fd, data)


def new_private(uow: UnitOfWork, folder: Path, stem: str, suffix: str, data: bytes) -> tuple[Path, str]:
    """A new owner-only file in `folder` named after `stem` and the database identity (the next
    free name if taken: nothing is overwritten); returns its path and SHA-256."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"out: folder {folder} does not exist", field="out")
    path, fd = names.open_new(folder / f"{names.stamped(uow, stem)}{suffix}")
    return path, _fill(path, fd, data)


def _fill(path: Path, fd: int, data: bytes) -> str:
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, names.FILE_MODE)  # the umask cannot widen it, but make the intent explicit
    return hashlib.sha256(data).hexdigest()


def private_folder(folder: Path) -> Path:
    """`folder`, made on first use readable by its owner only (files of patient data go in it)."""
    folder = Path(folder)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"folder: cannot create {folder}: {exc.strerror}", field="folder") from None
    return folder


def record_file(uow: UnitOfWork, *, practice_id: int | None, kind: str, path: Path, rows: int,
                total_cents: int, sha256: str, operator: str, as_of: dt.date,
                agency_id: int | None = None) -> RosterFile:
    row = RosterFile(practice_id=practice_id, kind=kind, agency_id=agency_id, path=str(path), row_count=rows,
                     total_cents=total_cents, sha256=sha256, operator=operator, business_date=as_of,
                     at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    return row
