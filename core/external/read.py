"""What the External Collections screens read (SPEC 5 and 7): pages of placements, the lines
behind a selection, what waits for a file, and the agency profiles.

Why a module of its own: the work screens show lists of any length on the virtual table, which
pages by keyset (after / before a placement number) and jumps by offset, and acts on "everything
in this state except these rows" — the use cases in core.external.work take line ids, so the
selection is turned into line ids here, in one statement, never in a Python loop over rows.
(Used by tui/screens/external_work.py and external_admin.py.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from core.eligibility import age_in_days
from core.external.moves import FROM_X
from core.external.selection import anchor
from core.external.states import MOVES, starts
from core.external.work import PlacementRow
from core.models.agencies import Agency
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork

PENDING = MOVES["approve"].states   # the Pending screen: the lines approve, deny and assign start from
POSTED = MOVES["reverse"].states    # the Posted screen: the lines reverse and reassign start from


def _where(practice_id: int, states: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    return "x.practice_id = :p AND x.state IN :states", {"p": practice_id, "states": list(states)}


def placement_totals(uow: UnitOfWork, actor: Actor, practice_id: int, states: tuple[str, ...]) -> tuple[int, int]:
    """(lines, open balance) in the given states: the count of the list and its status line."""
    require(actor, "viewer", "see external collections")
    where, params = _where(practice_id, states)
    n, cents = uow.session.execute(q(f"SELECT COUNT(*), COALESCE(SUM(l.ar_cents + l.collections_cents), 0) "
                                     f"FROM {FROM_X} WHERE {where}", params)).one()
    return int(n), int(cents)


def placement_page(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, states: tuple[str, ...], *,
                   after: int | None = None, before: int | None = None, offset: int | None = None,
                   limit: int = 100) -> list[PlacementRow]:
    """One page of placements in placement-number order: after / before a number, or at an offset."""
    require(actor, "viewer", "see external collections")
    practice = practice_by_id(uow, practice_id)
    where, params = _where(practice_id, states)
    order = "x.id"
    if after is not None:
        where, params["after"] = f"{where} AND x.id > :after", after
    elif before is not None:
        where, params["before"], order = f"{where} AND x.id < :before", before, "x.id DESC"
    tail = f" LIMIT {int(limit)}" + (f" OFFSET {int(offset)}" if offset else "")
    rows = uow.session.execute(q(
        f"SELECT x.id, l.source_id, e.source_id, g.source_id, g.name, a.source_id, x.state, "
        f"l.ar_cents + l.collections_cents, {anchor(practice.aging_basis)}, x.returned_mail, x.selected_date, "
        f"x.batch_no FROM {FROM_X} JOIN encounter e ON e.id = l.encounter_id JOIN guarantor g ON g.id = l.guarantor_id "
        f"LEFT JOIN agency a ON a.id = x.agency_id WHERE {where} ORDER BY {order}{tail}", params)).all()
    out = [PlacementRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]),
                        age_in_days(as_of, as_date(r[8])), bool(r[9]), as_date(r[10]), r[11])  # type: ignore[arg-type]
           for r in rows]
    return out[::-1] if before is not None else out


def lines_for(uow: UnitOfWork, practice_id: int, states: tuple[str, ...], placements: list[int] | None = None,
              exclude: list[int] | None = None) -> list[str]:
    """The line ids of chosen placements (or of every one in `states` minus `exclude`), still in
    `states`, for the work use cases, which act on line ids."""
    where, params = _where(practice_id, states)
    if placements is not None:
        where, params["ids"] = f"{where} AND x.id IN :ids", placements or [-1]
    if exclude:
        where, params["ex"] = f"{where} AND x.id NOT IN :ex", exclude
    return [r[0] for r in uow.session.execute(q(f"SELECT l.source_id FROM {FROM_X} WHERE {where} "
                                                f"ORDER BY l.source_id", params))]


@dataclass(frozen=True)
class Waiting:
    """An agency of the practice and what waits for its next file."""
    agency: str
    name: str
    lines: int
    cents: int
    file_format: str


def waiting_for_file(uow: UnitOfWork, actor: Actor, practice_id: int) -> list[Waiting]:
    """Every agency of the practice with its posted lines not yet in a file (zero included)."""
    require(actor, "viewer", "see external collections files")
    rows = uow.session.execute(q(
        "SELECT a.source_id, a.name, a.file_format, COUNT(l.id), COALESCE(SUM(l.ar_cents + l.collections_cents), 0) "
        f"FROM agency a LEFT JOIN external_placement x ON x.agency_id = a.id AND {starts('file')} "
        "LEFT JOIN service_line l ON l.id = x.line_id WHERE a.practice_id = :p AND a.active "
        "GROUP BY a.source_id, a.name, a.file_format ORDER BY a.source_id", {"p": practice_id})).all()
    return [Waiting(r[0], r[1], int(r[3]), int(r[4]), r[2]) for r in rows]


def agency_profiles(uow: UnitOfWork, practice_id: int) -> list[Agency]:
    """The practice's active agencies with their file profiles, by agency id."""
    return list(uow.session.exec(select(Agency).where(Agency.practice_id == practice_id, Agency.active == True)  # noqa: E712
                                 .order_by(Agency.source_id)))
