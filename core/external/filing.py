"""External collections Files (SPEC 5 and 7): each agency's file of posted lines, its preview,
and marking it sent.

The file is written by core.exchange.agency_files (the one spreadsheet/CSV writer, owner-only, checksummed and
recorded as an agency_file) from a line-level row source: one row per service line, the balance
being the line's balance in collections. The placements are marked filed with the batch number
first and the file is written from exactly those rows, so the file and the database agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from core import audit
from core.errors import BadInput, NeedsConfirmation, Summary, SummaryLine
from core.exchange import agency_files, baa, names
from core.exchange.agency_files import Column, RowSource
from core.external.moves import FROM_X, Step, history, lock, start, totals, update
from core.external.states import MOVES, starts
from core.models.agencies import Agency, ExternalFile
from core.models.base import saved_id
from core.models.precollections import AgencyFile
from core.money import format_plain
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

LINE_ROWS = RowSource(
    "external_placement x JOIN service_line l ON l.id = x.line_id JOIN encounter e ON e.id = l.encounter_id "
    "JOIN guarantor g ON g.id = l.guarantor_id", "l.guarantor_id, l.dos, l.id", "l.collections_cents",
    (("batch", Column("Batch", "int", "x.batch_no", 8)),
     ("task", Column("Placement", "int", "x.id", 10)),
     ("line", Column("Line", "text", "l.source_id")),
     ("dos", Column("Date of Service", "date", "l.dos", 12)),
     ("case_id", Column("Case", "text", "l.case_id")),
     ("balance", Column("Balance", "money", "l.collections_cents", 12)),
     ("procedure_codes", Column("Procedure Code", "text", "l.procedure_code", 12))))


def file_keys(agency: Agency) -> list[str]:
    """The agency's profile columns, with the line id after the placement number: the agency
    needs one of them to report payments and recalls back (core.external.returns)."""
    keys = agency_files.profile_columns(agency)
    if "line" not in keys:
        at = keys.index("task") + 1 if "task" in keys else 0
        keys = [*keys[:at], "line", *keys[at:]]
    return keys


def _posted(include_reassigned_today: bool) -> str:
    """The agency's lines waiting for a file: those the table lets "file" (posted)."""
    sel = f"x.practice_id = :p AND x.agency_id = :ag AND {starts('file')}"
    return sel if include_reassigned_today else f"{sel} AND (x.reassigned_on IS NULL OR x.reassigned_on < :d)"


def next_batch(uow: UnitOfWork, practice_id: int) -> int:
    last = uow.session.execute(q("SELECT COALESCE(MAX(batch_no), 0) FROM external_file WHERE practice_id = :p",
                                 {"p": practice_id})).scalar_one()
    return int(last) + 1


def file_agency(uow: UnitOfWork, actor: Actor, st: Step, agency: Agency, out_dir: Path,
                include_reassigned_today: bool = True) -> dict[str, Any] | None:
    """File the agency's posted lines (None when it has none): filed + batch, file, record, history."""
    params = {"ag": agency.id}
    where = _posted(include_reassigned_today)
    n, _ = totals(uow, where, {**st.params, **params})
    if not n:
        return None
    batch = next_batch(uow, saved_id(st.practice))
    update(uow, st, "file", "batch_no = :batch", where, {**params, "batch": batch})
    step = MOVES["file"].history_step
    name = names.file_name(uow, [st.practice.source_id, agency.source_id, f"new{batch:06d}"], st.as_of,
                           agency.file_format)
    record = agency_files.export(uow, actor, st.practice, agency,
                          "x.practice_id = :p AND x.last_run_id = :run AND x.last_step = :step AND x.batch_no = :batch",
                          {**st.params, "batch": batch, "step": step}, out_dir, st.as_of, None, batch, source=LINE_ROWS,
                          name=name, keys=file_keys(agency))
    uow.session.add(ExternalFile(practice_id=saved_id(st.practice), agency_id=saved_id(agency),
                                 agency_file_id=saved_id(record), run_id=saved_id(st.run), batch_no=batch))
    uow.session.execute(q("UPDATE external_placement SET file_id = :f WHERE practice_id = :p AND last_run_id = :run "
                          "AND last_step = :step AND batch_no = :batch",
                          {**st.params, "f": record.id, "batch": batch, "step": step}))
    count, cents = history(uow, st, "file", "x.batch_no = :batch", {"batch": batch})
    assert count == record.rows and cents == record.total_cents, "the agency file and the database disagree"
    return {"agency": agency.source_id, "batch": batch, "path": record.path, "rows": record.rows,
            "dollars": format_plain(record.total_cents), "sha256": record.sha256}


def _agency(uow: UnitOfWork, practice_id: int, source_id: str) -> Agency:
    agency = agency_files.find_agency(uow, practice_id, source_id)
    assert agency is not None
    return agency


def create_file(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, as_of: dt.date, out_dir: Path,
                confirmed: bool = False) -> dict[str, Any]:
    """Files -> Create: the agency's posted lines (all of them) into a new file."""
    role = MOVES["file"].role
    assert role is not None
    require(actor, role, "create external collections files")
    practice = practice_by_id(uow, practice_id)
    lock(uow, practice)
    ag = _agency(uow, practice_id, agency)
    n, cents = totals(uow, _posted(True), {"p": practice_id, "ag": ag.id, "d": as_of})
    if not n:
        raise BadInput(f"agency: {agency} has no posted lines waiting for a file", field="agency")
    if not confirmed:
        raise NeedsConfirmation(Summary(f"Create the file for {ag.name} ({agency})",
                                        [SummaryLine(n, cents, "will be filed in a new batch for the agency")],
                                        baa.note(ag)))
    st = start(uow, practice, "file", actor.name, as_of)
    made = file_agency(uow, actor, st, ag, out_dir)
    assert made is not None
    st.run.filed_count, st.run.filed_cents = st.totals["file"]
    st.run.files_count, st.run.ended_at, st.run.outcome = 1, uow.now(), "done"
    uow.session.add(st.run)
    try:
        uow.commit()
    except BaseException:
        Path(made["path"]).unlink(missing_ok=True)
        raise
    return made


@dataclass(frozen=True)
class PreviewRow:
    placement: int
    line: str
    encounter: str
    guarantor: str
    name: str
    dos: dt.date
    balance_cents: int


def preview(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, batch: int | None = None,
            limit: int | None = None) -> list[PreviewRow]:
    """Files -> Preview: the rows of an agency's next file (posted lines), or of a batch already made."""
    require(actor, "viewer", "preview external collections files")
    ag = _agency(uow, practice_id, agency)
    if batch is None:
        where, params = _posted(True), {"p": practice_id, "ag": ag.id}
    else:
        where, params = "x.practice_id = :p AND x.agency_id = :ag AND x.batch_no = :batch", \
            {"p": practice_id, "ag": ag.id, "batch": batch}
    rows = uow.session.execute(q(
        f"SELECT x.id, l.source_id, e.source_id, g.source_id, g.name, l.dos, l.ar_cents + l.collections_cents "
        f"FROM {FROM_X} JOIN encounter e ON e.id = l.encounter_id JOIN guarantor g ON g.id = l.guarantor_id "
        f"WHERE {where} ORDER BY l.guarantor_id, l.dos, l.id" + (f" LIMIT {int(limit)}" if limit else ""),
        params)).all()
    from core.sql import as_date
    return [PreviewRow(int(r[0]), r[1], r[2], r[3], r[4], as_date(r[5]), int(r[6])) for r in rows]  # type: ignore[arg-type]


@dataclass(frozen=True)
class FileRow:
    batch: int
    agency: str
    path: str
    rows: int
    total_cents: int
    created: dt.date
    sent_date: dt.date | None
    sent_by: str | None


def list_files(uow: UnitOfWork, actor: Actor, practice_id: int) -> list[FileRow]:
    require(actor, "viewer", "see external collections files")
    rows = uow.session.exec(select(ExternalFile, AgencyFile, Agency)
                            .join(AgencyFile, col(AgencyFile.id) == ExternalFile.agency_file_id)
                            .join(Agency, col(Agency.id) == ExternalFile.agency_id)
                            .where(ExternalFile.practice_id == practice_id)
                            .order_by(col(ExternalFile.batch_no))).all()
    return [FileRow(x.batch_no, a.source_id, f.path, f.rows, f.total_cents, f.business_date, x.sent_date, x.sent_by)
            for x, f, a in rows]


def mark_sent(uow: UnitOfWork, actor: Actor, practice_id: int, batch: int, as_of: dt.date,
              confirmed: bool = False) -> FileRow:
    """Files -> Mark as Sent: stamps the batch as delivered to the agency (once)."""
    require(actor, "supervisor", "mark external collections files as sent")
    practice = practice_by_id(uow, practice_id)
    lock(uow, practice)
    xf = uow.session.exec(select(ExternalFile).where(ExternalFile.practice_id == practice_id,
                                                     ExternalFile.batch_no == batch)).first()
    if xf is None:
        raise BadInput(f"batch: no external collections file with batch {batch}", field="batch")
    f = uow.session.get(AgencyFile, xf.agency_file_id)
    assert f is not None
    if xf.sent_date is not None:
        raise BadInput(f"batch: batch {batch} was already marked sent on {xf.sent_date} by {xf.sent_by}", field="batch")
    if not confirmed:
        raise NeedsConfirmation(Summary(f"Mark batch {batch} as sent",
                                        [SummaryLine(f.rows, f.total_cents, f"in {Path(f.path).name} will be recorded "
                                                                            "as sent to the agency", noun="line")]))
    xf.sent_at, xf.sent_date, xf.sent_by = uow.now(), as_of, actor.name
    uow.session.add(xf)
    uow.session.flush()
    audit.record(uow, actor.name, "external.file.sent", "external_file", [batch], {"sent": None},
                 {"sent": as_of, "rows": f.rows, "dollars": format_plain(f.total_cents)}, as_of)
    agency = uow.session.get(Agency, xf.agency_id)
    uow.commit()
    return FileRow(batch, agency.source_id if agency else "", f.path, f.rows, f.total_cents, f.business_date,
                   xf.sent_date, xf.sent_by)
