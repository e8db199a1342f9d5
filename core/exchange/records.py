"""Files are records (SPEC 16): every file Recoup wrote is listed with its checksum, and `verify`
asks of each whether it is still there and still the same bytes (missing and altered apart)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.sql import q
from core.uow import UnitOfWork

# Where files are recorded: (what to call one, table, its rows and dollars columns).
RECORDED = (("agency file", "agency_file"), ("roster file", "roster_file"))


@dataclass(frozen=True)
class Recorded:
    what: str
    id: int
    path: str
    sha256: str


def recorded(uow: UnitOfWork) -> Iterator[Recorded]:
    for what, table in RECORDED:
        for rid, path, sha in uow.session.execute(q(f"SELECT id, path, sha256 FROM {table} ORDER BY id")):
            yield Recorded(what, int(rid), str(path), str(sha))


def state(path: Path, sha256: str) -> str:
    """"ok", "missing" or "altered" (the bytes on disk no longer give the recorded checksum)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    return "ok" if digest.hexdigest() == sha256 else "altered"
