"""The demo's agency exchange (SPEC 16), under way, so a new user sees every part of it at once.

In the first demo practice, with its Auto Create File agency (demo_external's EXT1), through the
real use cases as the demo admin: the agency acknowledged the batches it received (an ack file,
matching), one filed line was recalled by the practice (reversed; the recall file written), and
the agency's sync file disagrees with ours on one line (reported). And an agency returns file of
up to three payments waits in the agency-files folder to be imported (Files screen, i; or
`recoup exchange in`): its warning shows the counts and dollars before anything is posted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from core import external
from core.exchange import envelope, incoming, outgoing
from core.money import format_plain
from core.security import Actor
from db.uow import SqlUnitOfWork

PRACTICE, AGENCY = "DEMO-FAM", "EXT1"


def _call(engine: Engine, fn: Any, *args: Any, **kw: Any) -> Any:
    with SqlUnitOfWork(engine) as u:
        return fn(u, *args, **kw)


def _agency_file(folder: Path, name: str, kind: str, batch: int, as_of: dt.date, columns: list[str],
                 rows: list[tuple[list[Any], int]]) -> Path:
    """A file as the agency would send it (header, columns, records, trailer)."""
    path = folder / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        envelope.write(fh, envelope.Header(PRACTICE, AGENCY, batch, kind, as_of), columns, rows)
    path.chmod(0o600)
    return path


def build(engine: Engine, actor: Actor, as_of: dt.date, folder: Path) -> Path | None:
    """Ack, recall and sync done; returns the path of the returns file left to import (None when
    the demo has no filed lines with the agency)."""
    with SqlUnitOfWork(engine, write=False) as u:
        pid = u.session.execute(text("SELECT id FROM practice WHERE source_id = :p"), {"p": PRACTICE}).scalar()
        batches = u.session.execute(text(
            "SELECT f.batch_no, f.rows, f.total_cents FROM agency_file f JOIN agency a ON a.id = f.agency_id "
            "WHERE f.practice_id = :p AND a.source_id = :a AND f.kind = 'new' ORDER BY f.batch_no"),
            {"p": pid, "a": AGENCY}).all()
        filed = u.session.execute(text(
            "SELECT l.source_id, l.collections_cents FROM external_placement x JOIN service_line l ON l.id = x.line_id "
            "JOIN agency a ON a.id = x.agency_id WHERE x.practice_id = :p AND a.source_id = :a AND x.state = 'filed' "
            "AND l.collections_cents > 100 ORDER BY l.source_id LIMIT 4"), {"p": pid, "a": AGENCY}).all()
    if pid is None or not batches or len(filed) < 2:
        return None
    day = as_of - dt.timedelta(days=2)
    ack = _agency_file(folder, f"{AGENCY}-ack-{day}.csv", "ack", 1, day, ["batch", "records", "amount"],
                       [([b, n, format_plain(c)], c) for b, n, c in batches])
    _call(engine, incoming.import_file, actor, pid, AGENCY, ack, day)
    recalled = filed[-1][0]
    _call(engine, external.reverse, actor, pid, day, [recalled], confirmed=True)
    _call(engine, outgoing.write, actor, pid, AGENCY, "recall", day, folder, confirmed=True)
    with SqlUnitOfWork(engine, write=False) as u:
        held = u.session.execute(text(
            "SELECT x.id, l.source_id, l.collections_cents FROM external_placement x JOIN service_line l "
            "ON l.id = x.line_id JOIN agency a ON a.id = x.agency_id WHERE x.practice_id = :p AND a.source_id = :a "
            "AND x.state = 'filed' ORDER BY l.source_id"), {"p": pid, "a": AGENCY}).all()
    theirs = [([x, line, format_plain(c - (100 if i == 0 else 0))], c - (100 if i == 0 else 0))
              for i, (x, line, c) in enumerate(held)]   # the agency is a dollar short on one line
    sync = _agency_file(folder, f"{AGENCY}-sync-{as_of - dt.timedelta(days=1)}.csv", "sync", 1,
                        as_of - dt.timedelta(days=1), ["placement", "line", "amount"], theirs)
    _call(engine, incoming.import_file, actor, pid, AGENCY, sync, as_of - dt.timedelta(days=1))
    payments = [(["payment", line, "", as_of.isoformat(), format_plain(c // 4), "", f"R{n}"], c // 4)
                for n, (line, c) in enumerate(filed[:-1], start=1)]
    return _agency_file(folder, f"{AGENCY}-returns-{as_of}.csv", "returns", 1, as_of,
                        ["record", "line", "placement", "date", "amount", "fee", "reference"], payments)
