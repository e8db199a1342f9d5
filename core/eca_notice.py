"""The "ECA notice" letter (SPEC 15.5 (b)): printed, recorded, and so counted by core.eca.

Why its own letter and not a roster template: 501(r) asks for fixed content — the practice's
plain-language summary of its financial-assistance policy, the action the hospital intends, and a
deadline at least 30 days after the letter — and its printed date is a fact the ECA rule reads.
The PDF is written by fpdf2 with its core fonts, private to its owner (core.private_files).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from core import audit
from core.eca import NOTICE_DAYS
from core.errors import BadInput, Refused
from core.models.compliance import EcaNotice
from core.models.ledger import Guarantor, Practice
from core.money import format_display
from core.practices import find_account, practice_by_id
from core.private_files import new_private
from core.security import Actor, require
from core.uow import UnitOfWork

ACTION_MAX = 200


@dataclass(frozen=True)
class Printed:
    notice_id: int
    guarantor: str
    printed: dt.date
    deadline: dt.date
    path: Path


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def notice_text(p: Practice, g: Guarantor, action: str, as_of: dt.date, deadline: dt.date) -> str:
    """The letter's words: the balance, the intended action and its deadline, then the summary."""
    balance = format_display(g.ar_cents + g.collections_cents, symbol=True)
    return (f"{as_of.strftime('%B %d, %Y').replace(' 0', ' ')}\n\nDear {g.name},\n\n"
            f"Your account {g.source_id} with {p.name} has a balance of {balance}. Unless the balance is "
            f"paid, or you apply for financial assistance, by {deadline.strftime('%B %d, %Y').replace(' 0', ' ')}, "
            f"we intend to take the following action: {action}.\n\n"
            "You may qualify for free or discounted care. Our financial assistance policy, in plain "
            f"language:\n\n{p.fap_summary}\n\nTo apply, or to ask a question, please contact our billing office.")


def render(p: Practice, g: Guarantor, text: str) -> bytes:
    from fpdf import FPDF
    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.multi_cell(0, 6, _latin1(p.name), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", size=11)
    block = "\n".join(x for x in (g.name, g.address1, g.address2,
                                  " ".join(y for y in (g.city, g.state, g.zip) if y)) if x)
    pdf.multi_cell(0, 5.5, _latin1(block), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.multi_cell(0, 6, "Notice of intended collection action", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 5.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def print_notice(uow: UnitOfWork, actor: Actor, practice_id: int, guarantor: str, action: str, as_of: dt.date,
                 out: Path, deadline: dt.date | None = None) -> Printed:
    """Write the guarantor's ECA notice (a PDF in `out`) and record it as printed on `as_of`."""
    require(actor, "collector", "print ECA notices")
    p = practice_by_id(uow, practice_id)
    if not p.nonprofit_501r:
        raise Refused(f"practice {p.source_id} is not set up as a non-profit hospital under 501(r)")
    if not p.fap_summary:
        raise Refused("set the practice's plain-language financial-assistance summary first")
    action = (action or "").strip()
    deadline = deadline or as_of + dt.timedelta(days=NOTICE_DAYS)
    problems = []
    if not 1 <= len(action) <= ACTION_MAX:
        problems.append(f"action: describe the intended action in 1-{ACTION_MAX} characters")
    if deadline < as_of + dt.timedelta(days=NOTICE_DAYS):
        problems.append(f"deadline: {deadline} is less than {NOTICE_DAYS} days after the letter date {as_of}")
    if problems:
        raise BadInput("; ".join(problems), field=problems[0].split(":")[0], problems=problems)
    g, _ = find_account(uow, p, guarantor, None)
    assert g.id is not None and p.id is not None
    data = render(p, g, notice_text(p, g, action, as_of, deadline))
    path, sha = new_private(uow, out, f"eca-notice-{g.source_id}-{as_of.isoformat()}", ".pdf", data)
    notice = EcaNotice(practice_id=p.id, guarantor_id=g.id, printed_date=as_of, deadline=deadline, action=action,
                       file_name=path.name, operator=actor.name, created_at=uow.now())
    uow.session.add(notice)
    uow.session.flush()
    audit.record(uow, actor.name, "eca.notice", "eca_notice", [notice.id, g.source_id], None,
                 {"deadline": deadline, "action": action, "file": path.name, "sha256": sha}, business_date=as_of)
    uow.commit()
    assert notice.id is not None
    return Printed(notice.id, g.source_id, as_of, deadline, path)
