"""Outgoing exchange files (SPEC 16): new, update, payment, recall, close and sync, per agency.

Each kind is data: its columns (name, type, SQL), its rows (FROM and WHERE over the placements
`x` of one agency, lines `l`, guarantors `g`), the cents its trailer totals, and for the change
files the event id it has reached (`through`), so the next file of that kind starts after it.
A file is the documented CSV (core.exchange.envelope) plus the same rows as xlsx for people;
both are written owner-only under a name carrying the database identity and recorded as agency
files (kind, batch, rows, cents, checksum), with one audit entry.

The compliance columns of a new record (dofd, reportable_from, never_report, calls_7d,
last_conversation, the itemization) come from the rules' own read functions (core.credit_reporting,
core.itemization, core.contacts), asked once per streamed chunk of rows, never once per row. Every
file records a tally (SPEC 14): what it carries by group, and the records it left out because the
agency no longer holds their placement.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import audit, contacts, credit_reporting, itemization, tallies
from core.errors import BadInput, NeedsConfirmation, Summary, SummaryLine
from core.exchange import baa, envelope, names
from core.exchange.agency_files import STREAM_ROWS, Column, _sha256, _write_xlsx, find_agency
from core.models.agencies import PLACEMENT_STATES, Agency
from core.models.base import saved_id
from core.models.ledger import Practice
from core.models.precollections import AgencyFile
from core.money import format_plain
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork

PLACED = ("external_placement x JOIN service_line l ON l.id = x.line_id "
          "JOIN guarantor g ON g.id = l.guarantor_id")
OF_AGENCY = "x.practice_id = :p AND x.agency_id = :ag"  # every placement ever with the agency
HELD = f"{OF_AGENCY} AND x.state = 'filed'"  # what the agency holds
# A payment the practice received on a line it had placed (not one from before the placement).
PRACTICE_PAYMENT = "t.kind = 'payment' AND t.source <> 'agency' AND t.date >= x.posted_date"


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[tuple[str, str, str], ...]  # (column, type: text int date money, SQL)
    from_sql: str
    where: str
    order: str
    amount: str               # the cents the trailer totals (also the row's "amount" column)
    through: str | None = None  # the event id a change file has reached
    needs_batch: bool = False
    group: str | None = None  # SQL naming the tally group a record is taken under (default: the kind)
    # The tally's candidates: the same records on placements the agency no longer holds (left out
    # by the placement's state). False: the kind selects nothing but what the agency holds.
    leaves_out: bool = True
    keys: tuple[str, ...] = ()  # SQL selected after the columns for `fill` (ids, not written)
    # Fills a chunk of rows (each: the columns, the cents, the through id, then the keys) in place
    # with what the database's rules compute (the compliance columns), one statement per chunk.
    fill: Callable[[UnitOfWork, dict[str, Any], list[list[Any]]], None] | None = None

    def column_names(self) -> list[str]:
        return [c for c, _, _ in self.columns]

    def candidates(self) -> tuple[str, str]:
        """FROM and WHERE of the records this kind would carry whatever the placement's state."""
        return self.from_sql.replace(HELD, OF_AGENCY), self.where.replace(HELD, OF_AGENCY)


PLACEMENT = (("placement", "int", "x.id"), ("line", "text", "l.source_id"))
ADDRESS = ("address1", "address2", "city", "state", "zip")  # an update record's new address

# The compliance columns of a new (placement) record (SPEC 15.2-15.4), computed by the rules' own
# read functions; the itemization and the credit-reporting dates are the encounter's (the placed
# debt), the call figures the guarantor's.
COMPLIANCE = (("dofd", "date"), ("reportable_from", "date"), ("never_report", "text"), ("calls_7d", "int"),
              ("last_conversation", "date"), ("itemization_date", "date"), ("itemization_balance", "money"),
              ("interest", "money"), ("fees", "money"), ("payments_credits", "money"))


def _compliance(uow: UnitOfWork, params: dict[str, Any], rows: list[list[Any]]) -> None:
    """The compliance columns of a chunk of new records: three statements for the whole chunk
    (credit-reporting guards and itemizations by encounter, call figures by guarantor)."""
    practice = uow.session.get(Practice, params["p"])
    assert practice is not None
    as_of, names_ = params["as_of"], KINDS["new"].column_names()
    at = names_.index("dofd")
    encounters = [int(r[-2]) for r in rows]
    guards = credit_reporting.guards_of(uow, practice, encounters, as_of)
    items = itemization.itemizations(uow, encounters, as_of)
    figures = contacts.placement_figures(uow, [int(r[-1]) for r in rows], as_of)
    for r in rows:
        g, it, fg = guards.get(int(r[-2])), items.get(int(r[-2])), figures.get(int(r[-1]))
        r[at:at + len(COMPLIANCE)] = [
            g and g.first_delinquency, g and g.reportable_from, None if g is None else ("Y" if g.never_report else "N"),
            fg and fg.calls_7_days, fg and fg.last_conversation,
            it and it.date, it and it.balance_on_date, it and it.interest, it and it.fees, it and it.payments_credits]


NO_ADDRESS = "NULL, NULL, NULL, NULL, NULL"
UPDATE_EVENTS = f"""(
    SELECT h.id AS eid, x.id AS pid, 'hold_started' AS change, h.start_date AS day, h.kind AS detail,
           NULL AS address1, NULL AS address2, NULL AS city, NULL AS state, NULL AS zip
    FROM hold h JOIN external_placement x ON x.guarantor_id = h.guarantor_id
         AND (h.encounter_id IS NULL OR h.encounter_id = x.encounter_id)
    WHERE {HELD} AND h.business_date > :since_day AND h.business_date <= :as_of
    UNION ALL
    SELECT r.id, x.id, 'hold_ended', r.released_on, h.kind, {NO_ADDRESS}
    FROM hold_release r JOIN hold h ON h.id = r.hold_id JOIN external_placement x
         ON x.guarantor_id = h.guarantor_id AND (h.encounter_id IS NULL OR h.encounter_id = x.encounter_id)
    WHERE {HELD} AND r.business_date > :since_day AND r.business_date <= :as_of
    UNION ALL
    SELECT t.id, x.id, 'balance', t.date, 'payment at the practice', {NO_ADDRESS}
    FROM ledger_txn t JOIN external_placement x ON x.line_id = t.line_id
    WHERE {HELD} AND {PRACTICE_PAYMENT} AND t.date > :since_day AND t.date <= :as_of
    UNION ALL
    SELECT c.id, x.id, c.change, c.business_date,
           CASE WHEN c.change = 'address' THEN 'new address'
                WHEN c.returned_mail = TRUE THEN 'mail came back' ELSE 'mail delivered again' END,
           c.address1, c.address2, c.city, c.state, c.zip
    FROM guarantor_change c JOIN external_placement x ON x.guarantor_id = c.guarantor_id
    WHERE {HELD} AND c.business_date > :since_day AND c.business_date <= :as_of
) u JOIN external_placement x ON x.id = u.pid JOIN service_line l ON l.id = x.line_id"""

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("new", (*PLACEMENT, ("encounter", "text", "(SELECT e.source_id FROM encounter e WHERE e.id = l.encounter_id)"),
                 ("guarantor", "text", "g.source_id"), ("name", "text", "g.name"),
                 ("responsible_party", "text", "g.responsible_party_name"),
                 ("address1", "text", "g.address1"), ("address2", "text", "g.address2"), ("city", "text", "g.city"),
                 ("state", "text", "g.state"), ("zip", "text", "g.zip"), ("phone", "text", "g.phone"),
                 ("dos", "date", "l.dos"), *((c, t, "NULL") for c, t in COMPLIANCE),
                 ("charges", "money", "l.amount_cents"),
                 ("paid_adjusted", "money", "l.amount_cents - l.ar_cents - l.collections_cents"),
                 ("amount", "money", "l.collections_cents")),
         PLACED, f"{HELD} AND x.batch_no = :batch", "l.guarantor_id, l.dos, l.id",
         "l.collections_cents", needs_batch=True, keys=("l.encounter_id", "l.guarantor_id"), fill=_compliance),
    Kind("update", (*PLACEMENT, ("change", "text", "u.change"), ("date", "date", "u.day"),
                    ("detail", "text", "u.detail"), *((c, "text", f"u.{c}") for c in ADDRESS),
                    ("amount", "money", "l.ar_cents + l.collections_cents")),
         UPDATE_EVENTS, "1 = 1", "u.day, u.change, x.id, u.eid", "l.ar_cents + l.collections_cents", group="u.change"),
    Kind("payment", (*PLACEMENT, ("date", "date", "t.date"), ("amount", "money", "t.amount_cents"),
                     ("balance", "money", "l.ar_cents + l.collections_cents")),
         "ledger_txn t JOIN external_placement x ON x.line_id = t.line_id JOIN service_line l ON l.id = x.line_id",
         f"{HELD} AND {PRACTICE_PAYMENT} AND t.id > :since", "t.id", "t.amount_cents", through="t.id"),
    Kind("recall", (*PLACEMENT, ("date", "date", "h.business_date"), ("status", "text", "'final'"),
                    ("reason", "text", "'practice'"), ("amount", "money", "h.amount_cents")),
         "external_history h JOIN external_placement x ON x.id = h.placement_id "
         "JOIN service_line l ON l.id = x.line_id",
         "h.practice_id = :p AND h.from_agency_id = :ag AND h.from_state = 'filed' "
         "AND h.step IN ('reverse', 'reassign') AND h.id > :since", "h.id", "h.amount_cents", through="h.id",
         leaves_out=False),
    Kind("close", (*PLACEMENT, ("date", "date", ":as_of"), ("reason", "text", "'paid'"),
                   ("amount", "money", "l.ar_cents + l.collections_cents")),
         PLACED, f"{HELD} AND l.ar_cents + l.collections_cents = 0 AND EXISTS (SELECT 1 FROM ledger_txn t "
                 f"WHERE t.line_id = l.id AND {PRACTICE_PAYMENT} AND t.id > :since)",
         "x.id", "l.ar_cents + l.collections_cents",
         through=f"(SELECT MAX(t.id) FROM ledger_txn t WHERE t.line_id = l.id AND {PRACTICE_PAYMENT})"),
    Kind("sync", (*PLACEMENT, ("guarantor", "text", "g.source_id"), ("batch", "int", "x.batch_no"),
                  ("amount", "money", "l.collections_cents")),
         PLACED, HELD, "x.id", "l.collections_cents", leaves_out=False),
)}
NIGHTLY = ("update", "payment", "recall", "close")  # written by the nightly run for Auto Create File agencies


@dataclass(frozen=True)
class Preview:
    kind: str
    agency: str
    batch: int
    rows: int
    total_cents: int
    sample: list[dict[str, Any]]


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise BadInput(f"kind: {name!r} is not one of {', '.join(KINDS)}", field="kind")
    return KINDS[name]


def _params(uow: UnitOfWork, practice: Practice, ag: Agency, kind: Kind, as_of: dt.date,
            batch: int | None) -> dict[str, Any]:
    """Where the kind starts: after the last file of its kind for this agency."""
    last = uow.session.execute(q(
        "SELECT MAX(through_id), MAX(business_date) FROM agency_file WHERE practice_id = :p AND agency_id = :ag "
        "AND kind = :k", {"p": practice.id, "ag": ag.id, "k": kind.name})).one()
    return {"p": practice.id, "ag": ag.id, "as_of": as_of, "since": int(last[0] or 0),
            "since_day": as_date(last[1]) or dt.date(1900, 1, 1), "batch": batch}


def _select(kind: Kind, extra: str = "") -> str:
    cols = ", ".join([*(sql for _, _, sql in kind.columns), kind.amount, kind.through or "NULL", *kind.keys])
    return (f"SELECT {cols} FROM {kind.from_sql} "
            f"WHERE {kind.where} ORDER BY {kind.order}{extra}")


def _totals(uow: UnitOfWork, kind: Kind, params: dict[str, Any]) -> tuple[int, int]:
    n, cents = uow.session.execute(q(f"SELECT COUNT(*), COALESCE(SUM({kind.amount}), 0) FROM {kind.from_sql} "
                                     f"WHERE {kind.where}", params)).one()
    return int(n), int(cents)


def _next_batch(uow: UnitOfWork, practice: Practice, ag: Agency, kind: Kind, batch: int | None) -> int:
    if kind.needs_batch:
        if batch is None:
            raise BadInput("batch: a new (placement) file is made for one batch: give its number", field="batch")
        return batch
    last = uow.session.execute(q("SELECT COALESCE(MAX(batch_no), 0) FROM agency_file WHERE practice_id = :p "
                                 "AND agency_id = :ag AND kind = :k",
                                 {"p": practice.id, "ag": ag.id, "k": kind.name})).scalar_one()
    return int(last) + 1


def _setup(uow: UnitOfWork, practice_id: int, agency: str, kind_name: str, as_of: dt.date,
           batch: int | None) -> tuple[Practice, Agency, Kind, dict[str, Any], int]:
    practice = practice_by_id(uow, practice_id)
    ag = find_agency(uow, practice_id, agency)
    assert ag is not None
    kind = _kind(kind_name)
    number = _next_batch(uow, practice, ag, kind, batch)
    return practice, ag, kind, _params(uow, practice, ag, kind, as_of, number), number


def preview(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, kind_name: str, as_of: dt.date,
            batch: int | None = None, limit: int = 20) -> Preview:
    """What the next file of this kind would hold: counts, cents and its first rows."""
    require(actor, "viewer", "preview agency exchange files")
    _practice, ag, kind, params, number = _setup(uow, practice_id, agency, kind_name, as_of, batch)
    n, cents = _totals(uow, kind, params)
    rows = [list(r) for r in uow.session.execute(q(_select(kind, f" LIMIT {int(limit)}"), params))]
    if kind.fill is not None:
        kind.fill(uow, params, rows)
    names_ = kind.column_names()
    texts = _texts(kind)
    sample = [dict(zip(names_, [t or None for t in texts(r)], strict=False)) for r in rows]
    return Preview(kind.name, ag.source_id, number, n, cents, sample)


def write(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, kind_name: str, as_of: dt.date,
          out_dir: Path, batch: int | None = None, confirmed: bool = False, commit: bool = True) -> dict[str, Any]:
    """Write the next file of this kind for the agency (CSV and xlsx), recorded; refuses an empty one."""
    require(actor, "supervisor", "create agency exchange files")
    practice, ag, kind, params, number = _setup(uow, practice_id, agency, kind_name, as_of, batch)
    n, cents = _totals(uow, kind, params)
    if not n:
        raise BadInput(f"agency: nothing to send {ag.source_id} in a {kind.name} file", field="agency")
    if not confirmed:
        raise NeedsConfirmation(Summary(f"Create the {kind.name} file for {ag.name} ({ag.source_id})",
                                        [SummaryLine(n, cents, f"will go to the agency in {kind.name} batch {number}",
                                                     noun="record")], baa.note(ag)))
    made = write_kind(uow, actor, practice, ag, kind, params, number, as_of, Path(out_dir))
    if commit:
        try:
            uow.commit()
        except BaseException:
            for path in made["paths"]:
                Path(path).unlink(missing_ok=True)
            raise
    return made


def write_kind(uow: UnitOfWork, actor: Actor, practice: Practice, ag: Agency, kind: Kind, params: dict[str, Any],
               number: int, as_of: dt.date, out_dir: Path) -> dict[str, Any]:
    """Both files of one kind and batch, recorded, in the caller's transaction (the nightly run's too)."""
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem = names.file_name(uow, [practice.source_id, ag.source_id, f"{kind.name}{number:06d}"], as_of, "csv")
    header = envelope.Header(practice.source_id, ag.source_id, number, kind.name, as_of)
    path, fd = names.open_new(out_dir / stem)
    through: list[int] = []
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            count, total = envelope.write(fh, header, kind.column_names(), _csv_rows(uow, kind, params, through))
        xlsx, xfd = names.open_new(path.with_suffix(".xlsx"))
        with os.fdopen(xfd, "wb") as xh:
            cols = [Column(c, t, s) for c, t, s in kind.columns]
            _write_xlsx(xh, cols, _rows(uow, kind, params), f"{kind.name} {number}")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    records = []
    for p, fmt in ((path, "csv"), (xlsx, "xlsx")):
        row = AgencyFile(practice_id=saved_id(practice), agency_id=saved_id(ag), batch_no=number, file_format=fmt,
                         path=str(p), rows=count, total_cents=total, sha256=_sha256(p), operator=actor.name,
                         business_date=as_of, created_at=uow.now(), kind=kind.name,
                         through_id=max(through) if through else None)
        uow.session.add(row)
        records.append(row)
    uow.session.flush()
    tally = _tally(uow, actor, practice, kind, params, as_of, f"agency_file {records[0].id}")
    assert (tally.taken, tally.taken_cents) == (count, total), "the file and its tally disagree"
    out = {"agency": ag.source_id, "kind": kind.name, "batch": number, "rows": count,
           "dollars": format_plain(total), "path": str(path), "xlsx": str(xlsx), "paths": [str(path), str(xlsx)],
           "sha256": records[0].sha256, "tally": tally.id}
    audit.record(uow, actor.name, "exchange.out", "agency_file", [r.id for r in records], None,
                 {k: v for k, v in out.items() if k != "paths"}, as_of)
    return out


# A record on a placement the agency no longer holds is left out under the placement's state.
NOT_HELD = [(f"not_held:{s}", f"c.state = '{s}'") for s in PLACEMENT_STATES if s != "filed"]


def _tally(uow: UnitOfWork, actor: Actor, practice: Practice, kind: Kind, params: dict[str, Any], as_of: dt.date,
           ref: str) -> tallies.TallyView:
    """The file's tally (SPEC 14): the records it carries by group, and the records of the same
    kind on placements the agency no longer holds, left out by the placement's state."""
    counter = tallies.Counter(uow, "agency_file", saved_id(practice), as_of, actor.name, ref)
    if kind.leaves_out:
        frm, where = kind.candidates()
        counter.exclude(f"SELECT l.guarantor_id, l.encounter_id, {kind.amount} AS cents, x.state AS state "
                        f"FROM {frm} WHERE {where} AND x.state <> 'filed'", params, NOT_HELD)
    for group, n, cents in uow.session.execute(q(
            f"SELECT {kind.group or repr(kind.name)}, COUNT(*), COALESCE(SUM({kind.amount}), 0) "
            f"FROM {kind.from_sql} WHERE {kind.where} GROUP BY 1", params)):
        counter.took(str(group), int(n), int(cents))
    return counter.finish()


def nightly(uow: UnitOfWork, actor: Actor, practice: Practice, ag: Agency, as_of: dt.date,
            out_dir: Path) -> list[dict[str, Any]]:
    """The change files the nightly run writes for an Auto Create File agency (those with records),
    in the run's transaction."""
    made = []
    for name in NIGHTLY:
        kind = KINDS[name]
        number = _next_batch(uow, practice, ag, kind, None)
        params = _params(uow, practice, ag, kind, as_of, number)
        if _totals(uow, kind, params)[0]:
            made.append(write_kind(uow, actor, practice, ag, kind, params, number, as_of, out_dir))
    return made


def _chunks(uow: UnitOfWork, kind: Kind, params: dict[str, Any]) -> Iterator[list[list[Any]]]:
    """The rows, streamed a chunk at a time (memory flat), filled: each the shown columns, then
    the trailer's cents, the event id, the kind's keys."""
    result = uow.session.execute(q(_select(kind), params).execution_options(yield_per=STREAM_ROWS))
    while chunk := result.fetchmany(STREAM_ROWS):
        rows = [list(r) for r in chunk]
        if kind.fill is not None:
            kind.fill(uow, params, rows)
        yield rows


def _rows(uow: UnitOfWork, kind: Kind, params: dict[str, Any]) -> Iterator[list[Any]]:
    """For the xlsx writer: the shown columns, then the cents (its last value)."""
    n = len(kind.columns) + 1
    for chunk in _chunks(uow, kind, params):
        for r in chunk:
            yield r[:n]


def _csv_rows(uow: UnitOfWork, kind: Kind, params: dict[str, Any],
              through: list[int]) -> Iterator[tuple[list[Any], int]]:
    n = len(kind.columns)
    texts = _texts(kind)
    top = 0
    for chunk in _chunks(uow, kind, params):
        for r in chunk:
            if r[n + 1] is not None and int(r[n + 1]) > top:
                top = int(r[n + 1])
            yield texts(r), int(r[n] or 0)
    if top:
        through.append(top)


CACHED = 4096  # distinct dates or amounts remembered at a time while writing one file (memory stays flat)


def _texts(kind: Kind) -> Callable[[Any], list[str]]:
    """The function turning a row of `kind` into its CSV texts ("" for empty): each column's
    conversion chosen once, and dates and amounts (a file repeats them: few distinct dates, many
    equal balances) converted once per distinct value."""
    def cached(convert: Callable[[Any], str]) -> Callable[[Any], str]:
        seen: dict[Any, str] = {}

        def text(value: Any) -> str:
            got = seen.get(value)
            if got is None:
                if len(seen) >= CACHED:
                    seen.clear()
                got = seen[value] = convert(value)
            return got
        return text

    by_type: dict[str, Callable[[Any], str]] = {
        "money": cached(lambda v: format_plain(int(v))),
        "date": cached(lambda v: as_date(v).isoformat()),  # type: ignore[union-attr]
        "int": str, "text": str}
    plan = [by_type[typ] for _, typ, _ in kind.columns]

    def texts(r: Any) -> list[str]:
        return ["" if v is None else f(v) for f, v in zip(plan, r, strict=False)]
    return texts
