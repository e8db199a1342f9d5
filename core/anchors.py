"""Anchors written automatically after every batch (SPEC 17: "the chain head is anchored outside
the database after every batch").

A batch (the nightly's external run and roster population, Apply, Add Pre-Collection Tasks, the
imports, agency returns) calls `after_batch` in its unit of work; once it has committed, the head
of the chain (the last entry of that commit) is written to a new file in the anchor folder, one
anchor a file, owner-only (0600) in an owner-only folder (0700), named after the database's
identity, the time and the entry, and never over an existing file. `recoup verify --anchor
FOLDER` checks the chain still reaches every anchor of this database in the folder.

The folder is $RECOUP_ANCHORS, else `anchors` in the user's Recoup data folder (beside the
agency files); RECOUP_ANCHORS=off turns automatic anchors off. Keep it where the database's
administrators cannot write (docs/security.md): a copy elsewhere is what makes it evidence.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from core import audit
from core.errors import BadInput, RecoupError
from core.uow import UnitOfWork

ENV = "RECOUP_ANCHORS"
PREFIX = "recoup-anchor"
_REGISTERED = "recoup.anchors.registered"
_PENDING = "recoup.anchors.pending"
WRITTEN = "recoup.anchors.written"   # session.info: the files this unit of work wrote
log = logging.getLogger("recoup.anchors")


def folder() -> Path | None:
    """Where automatic anchors go: $RECOUP_ANCHORS, else `anchors` in the Recoup data folder;
    None when RECOUP_ANCHORS is 'off'."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_dir
    return Path(user_data_dir("recoup", appauthor=False)) / "anchors"


def after_batch(uow: UnitOfWork) -> None:
    """Anchor the chain's head once this unit of work has committed (call it before the commit;
    once is enough). A rehearsal (preview) commits nothing and writes no anchor."""
    if uow.session.info.get(_REGISTERED):
        return
    uow.session.info[_REGISTERED] = True
    audit.chain_step(uow)  # the chain is written first, so the step below sees its head
    uow.before_commit(lambda: _prepare(uow))
    uow.after_commit(lambda: _write(uow))


def _prepare(uow: UnitOfWork) -> None:
    """Inside the transaction: which entry to anchor, and the database identity for the name."""
    head = uow.session.info.get(audit.COMMITTED_HEAD)
    if head is None or folder() is None:
        return
    from core.exchange.identity import database_identity
    uow.session.info[_PENDING] = (database_identity(uow), head, uow.now())


def _write(uow: UnitOfWork) -> None:
    """After the commit: the anchor file. A folder that cannot be written is a warning, not a
    failure: the batch has committed, and the next batch (or `recoup audit anchor`) anchors again."""
    pending = uow.session.info.pop(_PENDING, None)
    where = folder()
    if pending is None or where is None:
        return
    identity, (entry_id, entry_hash), at = pending
    try:
        path = write(where, identity, audit.Anchor(entry_id, entry_hash, at))
    except (OSError, RecoupError) as exc:
        log.warning("recoup: the audit anchor of entry %s could not be written to %s: %s", entry_id, where,
                    getattr(exc, "message", None) or getattr(exc, "strerror", None) or exc)
        return
    uow.session.info.setdefault(WRITTEN, []).append(path)


def write(where: Path, identity: str, a: audit.Anchor) -> Path:
    """A new owner-only anchor file in `where` (made owner-only if missing); never overwrites."""
    from core.exchange.names import open_new
    from core.private_files import private_folder
    stamp = a.at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path, fd = open_new(private_folder(where) / f"{PREFIX}_{identity}_{stamp}_{a.entry_id}.txt")
    with os.fdopen(fd, "w") as fh:
        fh.write(a.line() + "\n")
    return path


def files(uow: UnitOfWork, where: Path) -> list[Path]:
    """This database's anchor files in `where`, oldest first (the names sort by time)."""
    from core.exchange.identity import database_identity
    return sorted(where.glob(f"{PREFIX}_{database_identity(uow)}_*.txt"))


def in_folder(uow: UnitOfWork, where: Path) -> tuple[list[audit.Anchor], Path]:
    """Every anchor of this database in `where`, and its newest file; one clear error when the
    folder holds none."""
    found = files(uow, where)
    if not found:
        raise BadInput(f"anchor: {where} holds no audit anchor of this database (files {PREFIX}_...)",
                       field="anchor")
    anchors: list[audit.Anchor] = []
    for path in found:
        try:
            lines = path.read_text().splitlines()
        except OSError:
            raise BadInput(f"anchor: {path} cannot be read", field="anchor") from None
        anchors += audit.parse_anchors(lines, str(path))
    return anchors, found[-1]
