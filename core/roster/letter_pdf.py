"""How a collection letter looks on paper (US Letter, for a #10 window envelope).

Top: the practice's name, address and phone, and beside them the letter date, account number,
amount due and due date. Then the addressee (where an envelope window shows it), the letter's
title, the merged text, the plan terms and how to pay. The bottom part, below a dashed line, is
the payment stub: account holder, account number, amount due, due date, an "amount enclosed" box
and the remit-to address. A letter too long for one page continues on the next; the stub is on
its last page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from core.money import format_display
from core.pdf import PAGE_W, Page, PdfStream, wrap
from core.roster.letter_content import Letter, long_date

LEFT, RIGHT = 54.0, PAGE_W - 54.0
STUB_TOP = 592.0          # the dashed line: 2.75 inches above the bottom edge
TEXT_BOTTOM = STUB_TOP - 24
BODY_SIZE, LEADING = 10.5, 14.0


def _letterhead(page: Page, letter: Letter) -> None:
    page.text(LEFT, 62, letter.practice_lines[0], "F2", 14)
    y = 78.0
    for line in [*letter.practice_lines[1:], *([f"Phone {letter.phone}"] if letter.phone else [])]:
        page.text(LEFT, y, line, size=10)
        y += 12
    facts = (("Letter date", long_date(letter.date)), ("Account number", letter.account),
             ("Amount due", format_display(letter.amount_due_cents, symbol=True)),
             ("Please pay by", long_date(letter.due_date)))
    y = 62.0
    for label, value in facts:
        page.text_right(446, y, label, "F2", 10)
        page.text(454, y, value, size=10)
        y += 14


def _recipient(page: Page, letter: Letter) -> None:
    y = 150.0
    for line in letter.recipient_lines:
        page.text(72, y, line, size=11)
        y += 14


def _stub(page: Page, letter: Letter) -> None:
    page.line(LEFT - 18, STUB_TOP, RIGHT + 18, STUB_TOP, dash=True)
    page.text(LEFT, STUB_TOP + 12, "Please detach along the dashed line and return this part with your payment.",
              size=8)
    page.text(LEFT, STUB_TOP + 34, "PAYMENT STUB", "F2", 11)
    y = STUB_TOP + 54
    for label, value in (("Account holder", letter.holder), ("Account number", letter.account),
                         ("Amount due", format_display(letter.amount_due_cents, symbol=True)),
                         ("Please pay by", long_date(letter.due_date))):
        page.text(LEFT, y, label, "F2", 10)
        page.text(LEFT + 90, y, value, size=10)
        y += 15
    page.text(LEFT, y + 14, "Amount enclosed", "F2", 10)
    page.box(LEFT + 90, y, 130, 22)
    page.text(LEFT + 95, y + 15, "$", size=11)
    x = 340.0
    page.text(x, STUB_TOP + 34, "Make your check payable to", size=9)
    page.text(x, STUB_TOP + 48, letter.practice_lines[0], "F2", 11)
    page.text(x, STUB_TOP + 66, "and mail it with this stub to", size=9)
    y = STUB_TOP + 80
    for line in letter.remit_lines:
        page.text(x, y, line, size=11)
        y += 14


def _paragraphs(letter: Letter) -> list[tuple[str, str]]:
    """(font, line) to print in the letter's text area, a blank line between parts."""
    out: list[tuple[str, str]] = [("F2", line) for line in wrap(letter.title, RIGHT - LEFT, "F2", 12)]
    out.append(("F1", ""))
    out += [("F1", line) for line in wrap(letter.body, RIGHT - LEFT, size=BODY_SIZE)]
    for heading, text in (("Your payment plan", letter.plan_terms), ("How to pay", letter.how_to_pay)):
        if text:
            out += [("F1", ""), ("F2", heading)]
            out += [("F1", line) for line in wrap(text, RIGHT - LEFT, size=BODY_SIZE)]
    return out


def letter_pages(letter: Letter) -> list[Page]:
    page = Page()
    _letterhead(page, letter)
    _recipient(page, letter)
    pages, y = [page], 250.0
    for font, line in _paragraphs(letter):
        if y > TEXT_BOTTOM:
            page.text(LEFT, y + 6, "Continued on the next page; the payment stub is on the last page.", size=9)
            page = Page()
            page.text(LEFT, 54, f"{letter.practice_lines[0]} - account {letter.account} - continued", size=9)
            pages.append(page)
            y = 84.0
        if line:
            page.text(LEFT, y, line, font, 12 if font == "F2" and y == 250.0 else BODY_SIZE)
        y += LEADING
    _stub(pages[-1], letter)
    return pages


def write_letters(fh: BinaryIO, letters: Iterable[Letter], title: str) -> tuple[int, int, str]:
    """Stream the letters into `fh` as one PDF; returns (letters, pages, SHA-256)."""
    pdf = PdfStream(fh, title)
    count = 0
    for letter in letters:
        for page in letter_pages(letter):
            pdf.add(page)
        count += 1
    return count, len(pdf.page_ids), pdf.close()
