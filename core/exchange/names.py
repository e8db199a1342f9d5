"""File names and creation: the database identity in every name, and never an overwrite.

A name is `<practice>_<agency>_<kind><batch>_<date>_<identity>.<ext>`. If it is taken all the
same (a leftover of a run killed before it committed, or a file someone put there), the next free
`-2`, `-3`... is used and recorded: an existing file is never replaced, never truncated.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from core.exchange.identity import database_identity
from core.uow import UnitOfWork

FILE_MODE = 0o600
TRIES = 1000


def safe(text: str) -> str:
    """A practice or agency id as a file-name part (letters, digits, dot and dash)."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text)


def file_name(uow: UnitOfWork, parts: list[str], as_of: dt.date, ext: str) -> str:
    """`parts` joined by `_` (made safe), then the business date and the database identity."""
    return "_".join([*(safe(p) for p in parts), as_of.isoformat(), database_identity(uow)]) + f".{ext}"


def stamped(uow: UnitOfWork, stem: str) -> str:
    """A free-form stem (letters, turnovers) with the database identity appended."""
    return f"{stem}_{database_identity(uow)}"


def open_new(path: Path) -> tuple[Path, int]:
    """Create `path` owner-only, or the first free `stem-N.ext` beside it; never touch an existing
    file. Returns the path actually created and its open descriptor."""
    path = Path(path)
    for n in range(1, TRIES + 1):
        candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            continue
        os.fchmod(fd, FILE_MODE)  # the umask cannot widen it, but make the intent explicit
        return candidate, fd
    raise FileExistsError(f"{path}: {TRIES} files of that name already exist")
