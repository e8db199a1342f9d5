"""Agency files (SPEC section 7): the spreadsheet or CSV an agency receives, and its record.

The rows are streamed from one query straight into the writer (xlsxwriter in constant-memory
mode), so a 50,000-row file costs the same memory as a 50-row one. Only the columns the agency's
profile names are written, and by default no diagnosis or procedure codes (minimum necessary).
Each file is created readable by its owner only (it holds patient data), its SHA-256 is taken
from the bytes on disk, and a record plus an audit entry are written in the caller's transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import select

from core import audit, tallies
from core.errors import BadInput
from core.exchange import names
from core.models.agencies import FILE_FORMATS, Agency
from core.models.base import saved_id
from core.models.ledger import Practice
from core.models.precollections import AgencyFile
from core.money import format_plain
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # text, int, money, date
    sql: str
    width: int = 14


PROCEDURE_CODES = {
    "postgresql": "(SELECT string_agg(l.procedure_code, ',' ORDER BY l.id) FROM service_line l "
                  "WHERE l.encounter_id = e.id AND l.procedure_code IS NOT NULL)",
    "sqlite": "(SELECT group_concat(procedure_code, ',') FROM (SELECT l.procedure_code FROM service_line l "
              "WHERE l.encounter_id = e.id AND l.procedure_code IS NOT NULL ORDER BY l.id))",
}

COLUMNS: dict[str, Column] = {
    "batch": Column("Batch", "int", "t.batch_no", 8),
    "task": Column("Task", "int", "t.task_no", 8),
    "encounter": Column("Encounter", "text", "e.source_id"),
    "dos": Column("Date of Service", "date", "e.dos", 12),
    "patient": Column("Patient", "text", "e.patient_name", 24),
    "guarantor_id": Column("Guarantor ID", "text", "g.source_id"),
    "guarantor": Column("Guarantor", "text", "g.name", 24),
    "kind": Column("Guarantor Type", "text", "g.kind", 10),
    "birth_date": Column("Birth Date", "date", "g.birth_date", 12),
    "address1": Column("Address 1", "text", "g.address1", 24),
    "address2": Column("Address 2", "text", "g.address2", 16),
    "city": Column("City", "text", "g.city", 16),
    "state": Column("State", "text", "g.state", 6),
    "zip": Column("ZIP", "text", "g.zip", 10),
    "phone": Column("Phone", "text", "g.phone", 14),
    "balance": Column("Balance", "money", "(e.ar_cents + e.collections_cents)", 12),
    "case_id": Column("Case", "text", "e.case_id"),
    "statements": Column("Statements Sent", "int", "e.statements_sent", 10),
    "dunning": Column("Dunning", "int", "e.dunning_count", 8),
    "procedure_codes": Column("Procedure Codes", "text", "", 20),  # only when the profile asks
}
DEFAULT_COLUMNS = ("batch", "task", "encounter", "dos", "patient", "guarantor_id", "guarantor",
                   "birth_date", "address1", "address2", "city", "state", "zip", "phone", "balance")


@dataclass(frozen=True)
class RowSource:
    """Where a file's rows come from: the FROM clause (aliases e = encounter and g = guarantor
    always present), the order, the dollar total of a row, and the columns that mean something
    else in this source (the profile's keys stay the same for every workflow)."""
    from_sql: str
    order_by: str
    total_sql: str
    columns: tuple[tuple[str, Column], ...] = ()

    def column(self, key: str) -> Column:
        return dict(self.columns).get(key) or COLUMNS[key]


# Pre-Collections: one row per task (encounter); the balance is the encounter's.
TASK_ROWS = RowSource("precollection_task t JOIN encounter e ON e.id = t.encounter_id "
                      "JOIN guarantor g ON g.id = e.guarantor_id", "t.task_no", "(e.ar_cents + e.collections_cents)")


def profile_columns(agency: Agency) -> list[str]:
    """The column keys an agency receives: its profile's list, else the minimum-necessary default."""
    keys = [k.strip() for k in (agency.columns or "").split(",") if k.strip()]
    return keys or list(DEFAULT_COLUMNS)


def check_columns(keys: list[str], source: RowSource | None = None) -> None:
    known = set(COLUMNS) | {k for k, _ in (source.columns if source else ())}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise BadInput(f"columns: unknown column {unknown[0]!r} (one of: {', '.join(COLUMNS)})", field="columns")


def save_agency(uow: UnitOfWork, actor: Actor, practice_id: int, source_id: str, as_of: dt.date, *,
                name: str | None = None, file_format: str | None = None, columns: str | None = None,
                contact: str | None = None, baa_signed: dt.date | None = None,
                fee_bp: int | None = None, clear_baa: bool = False) -> Agency:
    """Create an agency with a default profile, or change the given fields of its profile.
    A field given as None is left as it is; `clear_baa` records that no agreement is on file
    (one was entered by mistake, or it ended)."""
    require(actor, "admin", "change agency profiles")
    if not source_id or len(source_id) > 40:
        raise BadInput("agency: an agency id of 1 to 40 characters is required", field="agency")
    if file_format is not None and file_format not in FILE_FORMATS:
        raise BadInput(f"format: {file_format!r} is not xlsx or csv", field="format")
    if columns is not None:
        check_columns([k.strip() for k in columns.split(",") if k.strip()])
    if fee_bp is not None and not 0 <= fee_bp <= 10000:
        raise BadInput("fee: the agency fee must be 0 to 100 percent", field="fee")
    agency = find_agency(uow, practice_id, source_id, required=False)
    before = None if agency is None else _profile(agency)
    if agency is None:
        agency = Agency(practice_id=practice_id, source_id=source_id, name=name or source_id)
    for field, value in (("name", name), ("file_format", file_format), ("columns", columns),
                         ("contact", contact), ("baa_signed", baa_signed), ("fee_bp", fee_bp)):
        if value is not None:
            setattr(agency, field, value)
    if clear_baa:
        agency.baa_signed = None
    agency.version = agency.version + 1 if before else 1
    uow.session.add(agency)
    uow.session.flush()
    audit.record(uow, actor.name, "agency.save", "agency", [source_id], before, _profile(agency), as_of)
    uow.commit()
    return agency


def _profile(a: Agency) -> dict[str, Any]:
    return {"name": a.name, "format": a.file_format, "columns": a.columns, "contact": a.contact,
            "baa_signed": a.baa_signed, "fee_bp": a.fee_bp}


def find_agency(uow: UnitOfWork, practice_id: int, source_id: str, required: bool = True) -> Agency | None:
    agency = uow.session.exec(select(Agency).where(Agency.practice_id == practice_id,
                                                   Agency.source_id == source_id)).first()
    if agency is None and required:
        raise BadInput(f"agency: no agency {source_id!r} in this practice", field="agency")
    return agency


@dataclass(frozen=True)
class Written:
    path: Path
    rows: int
    total_cents: int
    sha256: str


def export(uow: UnitOfWork, actor: Actor, practice: Practice, agency: Agency, where: str,
           params: dict[str, Any], out_dir: Path, as_of: dt.date, run_id: int | None,
           batch_no: int | None, source: RowSource = TASK_ROWS, name: str | None = None,
           keys: list[str] | None = None, kind: str = "new",
           left_out: tuple[str, dict[str, Any], list[tuple[str, str]], str | None] | None = None) -> AgencyFile:
    """Write the selected rows (SQL over the source's aliases; by default tasks t, e, g) to the
    agency's file and record it. Another workflow passes its own source, file name and keys.
    `left_out`: the candidates the selection kept out and the SPEC 14 reasons to tally them under
    (tallies.Counter.exclude's arguments)."""
    keys = keys or profile_columns(agency)
    check_columns(keys, source)
    name = name or _file_name(uow, practice, agency, as_of, run_id, batch_no)
    written = write_file(uow, Path(out_dir) / name, agency.file_format, keys, where, params, agency.name, source)
    record = AgencyFile(practice_id=saved_id(practice), agency_id=saved_id(agency), run_id=run_id, batch_no=batch_no,
                        file_format=agency.file_format, path=str(written.path), rows=written.rows,
                        total_cents=written.total_cents, sha256=written.sha256, operator=actor.name,
                        business_date=as_of, created_at=uow.now(), kind=kind)
    uow.session.add(record)
    uow.session.flush()
    counter = tallies.Counter(uow, "agency_file", saved_id(practice), as_of, actor.name, f"agency_file {record.id}")
    if left_out is not None:
        counter.exclude(*left_out)
    counter.took(f"rows for {agency.source_id}", written.rows, written.total_cents)
    counter.finish()
    audit.record(uow, actor.name, "agency.file", "agency_file", [record.id], None,
                 {"agency": agency.source_id, "kind": kind, "batch": batch_no, "rows": written.rows,
                  "dollars": format_plain(written.total_cents), "sha256": written.sha256,
                  "path": str(written.path), "columns": keys}, as_of)
    return record


def _file_name(uow: UnitOfWork, practice: Practice, agency: Agency, as_of: dt.date, run_id: int | None,
               batch_no: int | None) -> str:
    batch = f"batch{batch_no:06d}" if batch_no is not None else f"notsent-run{run_id}"
    return names.file_name(uow, [practice.source_id, agency.source_id, batch], as_of, agency.file_format)


def write_file(uow: UnitOfWork, path: Path, file_format: str, keys: list[str], where: str,
               params: dict[str, Any], title: str = "Collections", source: RowSource = TASK_ROWS) -> Written:
    """Create `path` (owner-only; if taken, the next free name: never overwriting) and stream the
    rows into it. The path returned is the one written."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new folder of patient files: owner only
    path, fd = names.open_new(path)
    rows = _rows(uow, keys, where, params, source)
    cols = [source.column(k) for k in keys]
    try:
        if file_format == "csv":
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
                count, total = _write_csv(fh, cols, rows)
        else:
            with os.fdopen(fd, "wb") as fh:
                count, total = _write_xlsx(fh, cols, rows, title)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Written(path, count, total, _sha256(path))


STREAM_ROWS = 2000  # rows fetched at a time when streaming a file


def _rows(uow: UnitOfWork, keys: list[str], where: str, params: dict[str, Any],
          source: RowSource = TASK_ROWS) -> Iterator[tuple[Any, ...]]:
    exprs = [PROCEDURE_CODES[uow.dialect] if k == "procedure_codes" and not source.column(k).sql
             else source.column(k).sql for k in keys]
    exprs.append(source.total_sql)  # the total, whatever columns are shown
    sql = f"SELECT {', '.join(exprs)} FROM {source.from_sql} WHERE {where} ORDER BY {source.order_by}"
    result = uow.session.execute(q(sql, params).execution_options(yield_per=STREAM_ROWS))
    # fetchmany, not result.partitions(): with psycopg's server-side cursor partitions() held
    # every row in memory (123 MB for 100,000 rows); fetchmany keeps one chunk at a time.
    while chunk := result.fetchmany(STREAM_ROWS):
        yield from chunk


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return Decimal(format_plain(int(value)))
    if kind == "date":
        return as_date(value)
    if kind == "int":
        return int(value)
    return str(value)


def _write_xlsx(fh: Any, cols: list[Column], rows: Iterator[Sequence[Any]], title: str) -> tuple[int, int]:
    import xlsxwriter  # on first use: the application paints before it loads heavy modules

    from core import xlsx_rows
    fast = xlsx_rows.usable()
    wb = xlsxwriter.Workbook(fh, {"constant_memory": True})
    ws = wb.add_worksheet(re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Collections",
                          worksheet_class=xlsx_rows.RowStreamSheet if fast else None)
    header = wb.add_format({"bold": True, "bottom": 1})
    formats = {"money": wb.add_format({"num_format": "$#,##0.00;-$#,##0.00"}),
               "date": wb.add_format({"num_format": "yyyy-mm-dd"}), "int": None, "text": None}
    for c, col in enumerate(cols):
        ws.set_column(c, c, col.width)
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, [col.header for col in cols], header)
    if fast:
        count, total = _xlsx_rows(ws, cols, rows, formats)
    else:
        count, total = _xlsx_cells(ws, cols, rows, formats)
    ws.autofilter(0, 0, max(count, 1), len(cols) - 1)
    wb.close()
    return count, total


def _xlsx_rows(ws: Any, cols: list[Column], rows: Iterator[Sequence[Any]],
               formats: dict[str, Any]) -> tuple[int, int]:
    """One XML string per row (core.xlsx_rows); each value converted once, dates through a cache
    (a file has few distinct dates), money as its exact decimal text — the same cells as below."""
    from core.xlsx_rows import number_text
    ws.set_layout([col.kind != "text" for col in cols], [formats[col.kind] for col in cols])
    serials: dict[Any, str] = {}

    def date(value: Any) -> str:
        text = serials.get(value)
        if text is None:
            text = serials[value] = number_text(ws._convert_date_time(as_date(value)))
        return text

    def money(value: Any) -> str:
        text = format_plain(value)
        return text if len(text) <= 17 else number_text(Decimal(text))  # beyond 16 digits: as xlsxwriter rounds

    convert: dict[str, Callable[[Any], str]] = {"money": money, "date": date,
                                                "int": lambda v: number_text(int(v)), "text": str}
    plan = [convert[col.kind] for col in cols]
    count = total = 0
    for count, row in enumerate(rows, start=1):
        # strict=False: each row carries the total after the shown columns (_rows), and it is not a cell
        ws.append(count, [None if v is None else f(v) for f, v in zip(plan, row, strict=False)])
        total += int(row[-1])
    return count, total


def _xlsx_cells(ws: Any, cols: list[Column], rows: Iterator[Sequence[Any]],
                formats: dict[str, Any]) -> tuple[int, int]:
    """The ordinary per-cell calls (when core.xlsx_rows cannot be used with this xlsxwriter)."""
    count = total = 0
    writers = {"money": ws.write_number, "int": ws.write_number, "date": ws.write_datetime,
               "text": ws.write_string}
    for count, row in enumerate(rows, start=1):
        for c, col in enumerate(cols):
            value = _cell(col.kind, row[c])
            if value is not None:
                writers[col.kind](count, c, value, formats[col.kind])
        total += int(row[-1])
    return count, total


def _write_csv(fh: Any, cols: list[Column], rows: Iterator[tuple[Any, ...]]) -> tuple[int, int]:
    out = csv.writer(fh)
    out.writerow([col.header for col in cols])
    count = total = 0
    for row in rows:
        out.writerow([_csv_text(col.kind, row[c]) for c, col in enumerate(cols)])
        count += 1
        total += int(row[-1])
    return count, total


# A text cell starting with one of these is run as a formula by spreadsheet programs opening the
# CSV (CSV injection); a leading apostrophe makes it plain text there.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "money":
        return format_plain(int(value))  # "1234.56"
    value = _cell(kind, value)
    if kind == "date":
        return value.isoformat()
    text_value = str(value)
    return f"'{text_value}" if kind == "text" and text_value.startswith(FORMULA_STARTS) else text_value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
