"""Files the roster writes (printed letters, turnover agency files): private and recorded.

They hold patient names, addresses and balances, so they are created owner-only (0o600) and
never overwrite an existing file; each is recorded with its checksum, rows and dollars.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from core.errors import BadInput
from core.models.roster import RosterFile
from core.uow import UnitOfWork


def write_private(path: Path, data: bytes) -> str:
    """Create `path` readable by its owner only and write `data`; returns the SHA-256."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BadInput(f"out: folder {path.parent} does not exist", field="out")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(f"out: {path} already exists; choose another name", field="out") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)  # the umask cannot widen it, but make the intent explicit
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
                total_cents: int, sha256: str, operator: str, as_of: dt.date) -> RosterFile:
    row = RosterFile(practice_id=practice_id, kind=kind, path=str(path), row_count=rows,
                     total_cents=total_cents, sha256=sha256, operator=operator, business_date=as_of,
                     at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    return row


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """stem.suffix in folder, or stem-2.suffix, stem-3.suffix... if taken."""
    folder = Path(folder)
    candidate = folder / f"{stem}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate
