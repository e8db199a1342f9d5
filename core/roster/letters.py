"""Print Collection Letters: the queue, rendered to a printable PDF, marked printed.

Letters are merged from the practice's templates at print time (the balance on the letter is
the balance on the day it is printed). The PDF is written by fpdf2 with its core fonts, so a
character outside Latin-1 is replaced rather than breaking the batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from core import audit
from core.errors import BadInput
from core.money import format_display
from core.private_files import new_private, record_file, write_private
from core.roster.admin import DEFAULT_LETTERS
from core.runs import latest_business_date, refuse_earlier
from core.security import Actor, require
from core.sql import as_date, execute
from core.uow import UnitOfWork

QUEUE_SQL = """
    SELECT q.id, p.source_id AS practice, p.name AS practice_name, g.source_id AS guarantor, g.name,
           g.address1, g.address2, g.city, g.state, g.zip, g.ar_cents, g.escrow_cents,
           q.status_code AS status, cs.description AS status_description, q.template AS letter,
           q.queued_date AS queued, q.printed_date AS printed, q.printed_by, t.body
    FROM letter_queue q JOIN guarantor g ON g.id = q.guarantor_id JOIN practice p ON p.id = q.practice_id
    LEFT JOIN collection_status cs ON cs.practice_id = q.practice_id AND cs.code = q.status_code
    LEFT JOIN letter_template t ON t.practice_id = q.practice_id AND t.name = q.template"""


def _where(practice_id: int | None, printed: bool | None) -> str:
    conds = ["1 = 1"]
    if practice_id is not None:
        conds.append("q.practice_id = :p")
    if printed is True:
        conds.append("q.printed_date IS NOT NULL")
    elif printed is False:
        conds.append("q.printed_date IS NULL")
    return " AND ".join(conds)


def list_queue(uow: UnitOfWork, actor: Actor, practice_id: int | None = None,
               printed: bool | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
    """`recoup letters list`: guarantor, status, letter, queued, printed."""
    require(actor, "viewer", "see the letter queue")
    rows = execute(uow, f"{QUEUE_SQL} WHERE {_where(practice_id, printed)} ORDER BY q.id LIMIT :limit",
                   p=practice_id, limit=limit).all()
    return [{"practice": r.practice, "guarantor": r.guarantor, "name": r.name, "status": r.status,
             "letter": r.letter, "queued": as_date(r.queued), "printed": as_date(r.printed)} for r in rows]


class _Merge(dict[str, Any]):
    """Unknown merge fields print as written instead of failing the batch."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(row: Any, as_of: dt.date) -> str:
    """One letter's text: the template with its merge fields filled in."""
    body = row.body or DEFAULT_LETTERS.get(row.letter) or "{date}\n\nDear {guarantor_name},\n\n" \
        "Your balance with {practice_name} is {balance}.\n"
    address = "\n".join(x for x in (row.address1, row.address2,
                                    " ".join(y for y in (row.city, row.state, row.zip) if y)) if x)
    fields = _Merge(guarantor_name=row.name, guarantor_id=row.guarantor, address=address,
                    balance=format_display(int(row.ar_cents) - int(row.escrow_cents), symbol=True),
                    date=as_of.strftime("%B %d, %Y"), practice_name=row.practice_name, status=row.status,
                    status_description=row.status_description or row.status)
    try:
        return body.format_map(fields)
    except (ValueError, IndexError):
        return body


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(letters: list[tuple[Any, str]]) -> bytes:
    """One page (or more) per letter: the address block, then the letter."""
    from fpdf import FPDF
    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(25, 25, 25)
    for row, text in letters:
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.multi_cell(0, 6, _latin1(row.practice_name), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
        pdf.set_font("Helvetica", size=11)
        block = "\n".join(x for x in (row.name, row.address1, row.address2,
                                      " ".join(y for y in (row.city, row.state, row.zip) if y)) if x)
        pdf.multi_cell(0, 5.5, _latin1(block), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
        pdf.multi_cell(0, 5.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def latest_printed(uow: UnitOfWork, practice_id: int | None) -> dt.date | None:
    """The business date of the latest letters printed for the practice (of every practice when
    printing for all: such a run prints each practice's letters)."""
    if practice_id is None:
        return latest_business_date(uow, "letter_queue", "printed_date IS NOT NULL", {}, column="printed_date")
    return latest_business_date(uow, "letter_queue", "practice_id = :p AND printed_date IS NOT NULL",
                                {"p": practice_id}, column="printed_date")


def print_letters(uow: UnitOfWork, actor: Actor, as_of: dt.date, out: Path | None = None,
                  out_dir: Path | None = None, practice_id: int | None = None) -> dict[str, Any]:
    """Render every unprinted letter (of one practice, or all) into one PDF and mark them printed.

    Only letters up to the last one read are marked, so a letter queued while printing waits for
    the next batch instead of being marked without being printed."""
    require(actor, "collector", "print collection letters")
    refuse_earlier("Print Collection Letters", as_of, latest_printed(uow, practice_id),
                   "this practice" if practice_id is not None else "any practice")
    rows = execute(uow, f"{QUEUE_SQL} WHERE {_where(practice_id, False)} ORDER BY p.source_id, g.source_id, q.id",
                   p=practice_id).all()
    if not rows:
        raise BadInput("letters: no letters are waiting to be printed", field="letters")
    pdf = render_pdf([(r, render(r, as_of)) for r in rows])
    if out:
        path, digest = Path(out), write_private(Path(out), pdf)
    else:
        path, digest = new_private(uow, Path(out_dir or "."), f"letters-{as_of.isoformat()}", ".pdf", pdf)
    try:
        f = record_file(uow, practice_id=practice_id, kind="letters", path=path, rows=len(rows), total_cents=0,
                        sha256=digest, operator=actor.name, as_of=as_of)
        execute(uow, f"""UPDATE letter_queue SET printed_date = :as_of, printed_by = :op, file_id = :f
                     WHERE id IN (SELECT q.id FROM letter_queue q WHERE {_where(practice_id, False)}
                                  AND q.id <= :last)""",
                as_of=as_of, op=actor.name, f=f.id, p=practice_id, last=max(int(r.id) for r in rows))
        by_letter: dict[str, int] = defaultdict(int)
        for r in rows:
            by_letter[r.letter] += 1
        audit.record(uow, actor.name, "letters.print", "letter_queue", [f"file:{f.id}"], None,
                     {"letters": len(rows), "path": str(path), "sha256": digest, "by_letter": dict(by_letter)},
                     business_date=as_of)
        uow.commit()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return {"letters": len(rows), "file": str(path), "sha256": digest}
