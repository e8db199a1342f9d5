"""Read side of accounts: practices, the guarantor list, guarantor and encounter dashboards, find.

Screens ask these functions for plain dataclasses and never see SQL. The guarantor list is paged
with keyset pagination (`after`/`before` a row's sort key) so a page costs the same at row 10 and
at row 300,000; a jump to an arbitrary row (a scrollbar drag) falls back to OFFSET once, and the
pages around it continue by keyset. All SQL here is plain enough for SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from core import audit
from core.money import format_display
from core.security import Actor, require
from core.uow import UnitOfWork

PAGE = 100
RECENT_TXNS = 200


@dataclass(frozen=True)
class PracticeRow:
    id: int
    source_id: str
    name: str


@dataclass(frozen=True)
class GuarantorRow:
    id: int
    source_id: str
    name: str
    kind: str
    ar_cents: int
    ins_ar_cents: int
    collections_cents: int
    escrow_cents: int


@dataclass(frozen=True)
class GuarantorFilter:
    """What the guarantor list shows; every field optional (AND)."""
    text: str = ""                  # part of the name, or the guarantor's id exactly
    ar_min: int | None = None       # guarantor A/R at least (cents)
    ar_max: int | None = None
    collections_min: int | None = None
    kind: str | None = None         # "patient" / "employer"
    in_collections: bool = False    # only guarantors with a collection balance


# sort id -> (column, label); every sort ends with the id so the order is total (keyset needs it)
SORTS: dict[str, tuple[str, str]] = {
    "name": ("g.name", "Name"),
    "id": ("g.source_id", "Id"),
    "ar": ("g.ar_cents", "A/R"),
    "ins_ar": ("g.ins_ar_cents", "Ins A/R"),
    "collections": ("g.collections_cents", "Collections"),
    "escrow": ("g.escrow_cents", "Escrow"),
}
_ROW_COLUMNS = {"name": "name", "id": "source_id", "ar": "ar_cents", "ins_ar": "ins_ar_cents",
                "collections": "collections_cents", "escrow": "escrow_cents"}
_SELECT = ("SELECT g.id, g.source_id, g.name, g.kind, g.ar_cents, g.ins_ar_cents, "
           "g.collections_cents, g.escrow_cents FROM guarantor g")


def list_practices(uow: UnitOfWork) -> list[PracticeRow]:
    rows = uow.session.execute(text("SELECT id, source_id, name FROM practice ORDER BY name, id"))
    return [PracticeRow(int(r[0]), r[1], r[2]) for r in rows]


def filter_sql(practice_id: int, filt: GuarantorFilter) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of a filter (alias g), for pages, counts and later set-based actions on
    "all matching the filter minus exclusions"."""
    where = ["g.practice_id = :practice"]
    params: dict[str, Any] = {"practice": practice_id}
    needle = filt.text.strip()
    if needle:
        where.append("(g.source_id = :exact OR LOWER(g.name) LIKE :pattern)")
        params["exact"] = needle
        params["pattern"] = f"%{needle.lower()}%"
    for column, key, op in (("g.ar_cents", "ar_min", ">="), ("g.ar_cents", "ar_max", "<="),
                            ("g.collections_cents", "collections_min", ">=")):
        value = getattr(filt, key)
        if value is not None:
            where.append(f"{column} {op} :{key}")
            params[key] = value
    if filt.kind:
        where.append("g.kind = :kind")
        params["kind"] = filt.kind
    if filt.in_collections:
        where.append("g.collections_cents <> 0")
    return " AND ".join(where), params


def count_guarantors(uow: UnitOfWork, practice_id: int, filt: GuarantorFilter) -> int:
    where, params = filter_sql(practice_id, filt)
    return int(uow.session.execute(text(f"SELECT COUNT(*) FROM guarantor g WHERE {where}"), params).scalar_one())


def sort_key(row: GuarantorRow, sort: str) -> tuple[Any, int]:
    """The keyset position of a row under a sort: (sort value, id)."""
    return getattr(row, _ROW_COLUMNS[sort]), row.id


def guarantor_page(uow: UnitOfWork, practice_id: int, filt: GuarantorFilter, sort: str = "name",
                   descending: bool = False, *, after: tuple[Any, int] | None = None,
                   before: tuple[Any, int] | None = None, offset: int | None = None,
                   limit: int = PAGE) -> list[GuarantorRow]:
    """One page of the guarantor list in display order.

    `after`: the rows following that sort key; `before`: the rows just preceding it; neither:
    from `offset` (default 0). Descending flips the order of both the sort column and the id.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    column = SORTS[sort][0]
    where, params = filter_sql(practice_id, filt)
    backwards = before is not None
    ascending = descending == backwards   # reading backwards reverses the display order
    cmp = ">" if ascending else "<"
    key = after if after is not None else before
    if key is not None:
        # a row value: PostgreSQL seeks the (practice_id, column, id) index straight to the key;
        # SQLite seeks to the value and walks its run of equal values (13 ms at 178,000 zeros)
        where += f" AND ({column}, g.id) {cmp} (:kv, :kid)"
        params["kv"], params["kid"] = key
    direction = "ASC" if ascending else "DESC"
    sql = f"{_SELECT} WHERE {where} ORDER BY {column} {direction}, g.id {direction} LIMIT :limit"
    params["limit"] = limit
    if key is None and offset:
        sql += " OFFSET :offset"
        params["offset"] = offset
    rows = [GuarantorRow(int(r[0]), r[1], r[2], r[3], int(r[4]), int(r[5]), int(r[6]), int(r[7]))
            for r in uow.session.execute(text(sql), params)]
    return rows[::-1] if backwards else rows


# ---- dashboards ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EncounterRow:
    id: int
    source_id: str
    patient_name: str | None
    dos: dt.date
    case_id: str | None
    statement_profile: str | None
    dunning_count: int
    statements_sent: int
    ar_cents: int
    ins_ar_cents: int
    collections_cents: int


@dataclass(frozen=True)
class TxnRow:
    id: int
    date: dt.date
    kind: str
    source: str
    line_source_id: str | None      # None = unapplied (escrow)
    amount_cents: int
    bucket_from: str
    bucket_to: str
    adjustment_code: str | None
    memo: str | None


@dataclass(frozen=True)
class StatementRow:
    id: int
    source_id: str
    date: dt.date
    encounter_source_id: str | None
    dunning_level: int


@dataclass(frozen=True)
class LineRow:
    id: int
    source_id: str
    dos: dt.date
    procedure_code: str | None
    amount_cents: int
    posted_date: dt.date
    responsibility: str
    responsibility_date: dt.date | None
    billing_group: str | None
    ar_cents: int
    collections_cents: int


@dataclass(frozen=True)
class GuarantorDetail:
    id: int
    practice_id: int
    practice_name: str
    source_id: str
    kind: str
    name: str
    birth_date: dt.date | None
    address: str
    phone: str | None
    billing_group: str | None
    returned_mail: bool
    internal_comment: str | None
    dunning_level: int
    ar_cents: int
    ins_ar_cents: int
    collections_cents: int
    escrow_cents: int
    encounters: list[EncounterRow] = field(default_factory=list)
    transactions: list[TxnRow] = field(default_factory=list)
    statements: list[StatementRow] = field(default_factory=list)


@dataclass(frozen=True)
class EncounterDetail:
    encounter: EncounterRow
    practice_id: int
    guarantor_id: int
    guarantor_source_id: str
    guarantor_name: str
    guarantor_kind: str
    lines: list[LineRow] = field(default_factory=list)
    transactions: list[TxnRow] = field(default_factory=list)
    statements: list[StatementRow] = field(default_factory=list)


class NotFound(LookupError):
    """The record asked for does not exist (any more)."""


def _date(value: Any) -> Any:
    # SQLite hands dates back as text through text() queries; PostgreSQL as dates.
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


_ENC_COLUMNS = ("e.id, e.source_id, e.patient_name, e.dos, e.case_id, e.statement_profile, "
                "e.dunning_count, e.statements_sent, e.ar_cents, e.ins_ar_cents, e.collections_cents")


def _encounter_row(r: Any) -> EncounterRow:
    return EncounterRow(int(r[0]), r[1], r[2], _date(r[3]), r[4], r[5], int(r[6]), int(r[7]),
                        int(r[8]), int(r[9]), int(r[10]))


_TXN_SQL = ("SELECT t.id, t.date, t.kind, t.source, l.source_id, t.amount_cents, t.bucket_from, "
            "t.bucket_to, t.adjustment_code, t.memo FROM ledger_txn t "
            "LEFT JOIN service_line l ON l.id = t.line_id WHERE {where} "
            "ORDER BY t.date DESC, t.id DESC LIMIT :limit")


def _txns(uow: UnitOfWork, where: str, params: dict[str, Any]) -> list[TxnRow]:
    rows = uow.session.execute(text(_TXN_SQL.format(where=where)), {**params, "limit": RECENT_TXNS})
    return [TxnRow(int(r[0]), _date(r[1]), r[2], r[3], r[4], int(r[5]), r[6], r[7], r[8], r[9])
            for r in rows]


_STMT_SQL = ("SELECT s.id, s.source_id, s.date, e.source_id, s.dunning_level FROM statement s "
             "LEFT JOIN encounter e ON e.id = s.encounter_id WHERE {where} ORDER BY s.date DESC, s.id DESC")


def _statements(uow: UnitOfWork, where: str, params: dict[str, Any]) -> list[StatementRow]:
    rows = uow.session.execute(text(_STMT_SQL.format(where=where)), params)
    return [StatementRow(int(r[0]), r[1], _date(r[2]), r[3], int(r[4])) for r in rows]


def guarantor_detail(uow: UnitOfWork, actor: Actor, guarantor_id: int, as_of: dt.date) -> GuarantorDetail:
    """Everything the Patient dashboard shows. Opening an account is audited (SPEC 8), so this
    commits one audit entry."""
    require(actor, "viewer", "open an account")
    r = uow.session.execute(text(
        "SELECT g.id, g.practice_id, p.name, g.source_id, g.kind, g.name, g.birth_date, g.address1, "
        "g.address2, g.city, g.state, g.zip, g.phone, g.billing_group, g.returned_mail, "
        "g.internal_comment, g.dunning_level, g.ar_cents, g.ins_ar_cents, g.collections_cents, "
        "g.escrow_cents FROM guarantor g JOIN practice p ON p.id = g.practice_id WHERE g.id = :g"),
        {"g": guarantor_id}).first()
    if r is None:
        raise NotFound(f"guarantor {guarantor_id} does not exist")
    encounters = [_encounter_row(e) for e in uow.session.execute(text(
        f"SELECT {_ENC_COLUMNS} FROM encounter e WHERE e.guarantor_id = :g ORDER BY e.dos DESC, e.id DESC"),
        {"g": guarantor_id})]
    detail = GuarantorDetail(
        id=int(r[0]), practice_id=int(r[1]), practice_name=r[2], source_id=r[3], kind=r[4], name=r[5],
        birth_date=_date(r[6]), address=_address(r[7:12]), phone=r[12], billing_group=r[13],
        returned_mail=bool(r[14]), internal_comment=r[15], dunning_level=int(r[16]),
        ar_cents=int(r[17]), ins_ar_cents=int(r[18]), collections_cents=int(r[19]),
        escrow_cents=int(r[20]), encounters=encounters,
        transactions=_txns(uow, "t.guarantor_id = :g", {"g": guarantor_id}),
        statements=_statements(uow, "s.guarantor_id = :g", {"g": guarantor_id}))
    audit.record(uow, actor.name, "account.open", "guarantor", [detail.source_id], None, None, as_of)
    uow.commit()
    return detail


def encounter_detail(uow: UnitOfWork, actor: Actor, encounter_id: int, as_of: dt.date) -> EncounterDetail:
    """Everything the Encounter dashboard shows; audited like opening the account."""
    require(actor, "viewer", "open an encounter")
    r = uow.session.execute(text(
        f"SELECT {_ENC_COLUMNS}, e.practice_id, g.id, g.source_id, g.name, g.kind FROM encounter e "
        "JOIN guarantor g ON g.id = e.guarantor_id WHERE e.id = :e"), {"e": encounter_id}).first()
    if r is None:
        raise NotFound(f"encounter {encounter_id} does not exist")
    lines = [LineRow(int(x[0]), x[1], _date(x[2]), x[3], int(x[4]), _date(x[5]), x[6], _date(x[7]),
                     x[8], int(x[9]), int(x[10])) for x in uow.session.execute(text(
        "SELECT id, source_id, dos, procedure_code, amount_cents, posted_date, responsibility, "
        "responsibility_date, billing_group, ar_cents, collections_cents FROM service_line "
        "WHERE encounter_id = :e ORDER BY dos, id"), {"e": encounter_id})]
    detail = EncounterDetail(
        encounter=_encounter_row(r), practice_id=int(r[11]), guarantor_id=int(r[12]),
        guarantor_source_id=r[13], guarantor_name=r[14], guarantor_kind=r[15], lines=lines,
        transactions=_txns(uow, "t.line_id IN (SELECT id FROM service_line WHERE encounter_id = :e)",
                           {"e": encounter_id}),
        statements=_statements(uow, "s.encounter_id = :e", {"e": encounter_id}))
    audit.record(uow, actor.name, "account.open", "encounter", [detail.encounter.source_id], None, None, as_of)
    uow.commit()
    return detail


def _address(parts: Any) -> str:
    a1, a2, city, state, zip_ = parts
    street = ", ".join(p for p in (a1, a2) if p)
    town = " ".join(p for p in (f"{city}," if city else None, state, zip_) if p)
    return "; ".join(p for p in (street, town) if p)


# ---- find -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    kind: str          # "guarantor" or "encounter"
    id: int
    source_id: str
    name: str
    detail: str        # a short second column: the guarantor of an encounter, or A/R


FIND_LIMIT = 50


def find(uow: UnitOfWork, practice_id: int, needle: str, limit: int = FIND_LIMIT) -> list[Match]:
    """Guarantors and encounters whose id is `needle` exactly, or whose (patient) name contains
    it: exact id matches first, then names in order."""
    needle = needle.strip()
    if not needle:
        return []
    params = {"p": practice_id, "exact": needle, "pattern": f"%{needle.lower()}%", "limit": limit}
    guarantors = uow.session.execute(text(
        "SELECT g.id, g.source_id, g.name, g.ar_cents, CASE WHEN g.source_id = :exact THEN 0 ELSE 1 END AS o "
        "FROM guarantor g WHERE g.practice_id = :p AND (g.source_id = :exact OR LOWER(g.name) LIKE :pattern) "
        "ORDER BY o, g.name, g.id LIMIT :limit"), params)
    found = [Match("guarantor", int(r[0]), r[1], r[2], f"A/R {_money(int(r[3]))}") for r in guarantors]
    encounters = uow.session.execute(text(
        "SELECT e.id, e.source_id, COALESCE(e.patient_name, g.name), g.name, e.dos, "
        "CASE WHEN e.source_id = :exact THEN 0 ELSE 1 END AS o FROM encounter e "
        "JOIN guarantor g ON g.id = e.guarantor_id WHERE e.practice_id = :p AND "
        "(e.source_id = :exact OR LOWER(e.patient_name) LIKE :pattern) "
        "ORDER BY o, e.patient_name, e.id LIMIT :limit"), params)
    found += [Match("encounter", int(r[0]), r[1], r[2], f"DOS {_date(r[4]).isoformat()} · {r[3]}")
              for r in encounters]
    exact = [m for m in found if m.source_id == needle]
    return (exact + [m for m in found if m.source_id != needle])[:limit]


def _money(value: int) -> str:
    from core.money import format_display
    return format_display(value, symbol=True)


_PLACEMENTS = """
    SELECT l.source_id, x.state, a.source_id, x.state_date, x.batch_no, x.returned_mail, l.collections_cents
    FROM external_placement x
    JOIN service_line l ON l.id = x.line_id
    LEFT JOIN agency a ON a.id = x.agency_id
    WHERE x.line_id IN (SELECT id FROM service_line WHERE {owner} = :owner)
    ORDER BY l.source_id"""


def placement_lines(uow: UnitOfWork, encounter_id: int | None = None,
                    guarantor_id: int | None = None) -> list[str]:
    """One sentence per placed line ("L1: posted with CBA since 2026-10-01, batch 3"), for people."""
    owner, value = ("encounter_id", encounter_id) if encounter_id is not None else ("guarantor_id", guarantor_id)
    rows = uow.session.execute(text(_PLACEMENTS.format(owner=owner)), {"owner": value}).all()
    if not rows:
        return ["External agency placement: none"]
    out = ["External agency placements:"]
    for line, state, agency, since, batch, returned, coll in rows:
        where = f" with {agency}" if agency else ""
        extra = (f", batch {batch}" if batch else "") + (" [RETURNED MAIL]" if returned else "")
        out.append(f"  line {line}: {state}{where} since {since}{extra} · collections {format_display(coll)}")
    return out
