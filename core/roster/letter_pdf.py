"""How a collection letter looks on paper (US Letter, for a #10 window envelope).

Top: the practice's name, address and phone, and beside them the letter date, account number,
amount due and due date. Then the addressee (where an envelope window shows it), the letter's
title, the merged text, the itemization of the account's debts sent to collection (when it has
any: SPEC 15.3, a small table per visit), the plan terms and how to pay. The bottom part, below a
dashed line, is the payment stub: account holder, account number, amount due, due date, an
"amount enclosed" box and the remit-to address. A letter too long for one page continues on the
next; the stub is on its last page.

A financial-assistance "missing information" letter (core.roster.fap_letter) has the same
letterhead and window, lists what is missing, and ends in a reply slip instead of a payment stub
(nothing is asked to be paid): the account, the application, the reply date, a box per item, and
the practice's own address.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from core.itemization import Itemization
from core.money import format_display
from core.pdf import PAGE_W, Page, PdfStream, Points, wrap
from core.roster.fap_letter import InfoRequest
from core.roster.letter_content import Letter, long_date

LEFT, RIGHT = 54.0, PAGE_W - 54.0
STUB_TOP = 592.0          # the dashed line: 2.75 inches above the bottom edge
TEXT_BOTTOM = STUB_TOP - 24
BODY_SIZE, LEADING = 10.5, 14.0


def _letterhead(page: Page, practice_lines: list[str], phone: str, facts: list[tuple[str, str]]) -> None:
    page.text(LEFT, 62, practice_lines[0], "F2", 14)
    y = 78.0
    for line in [*practice_lines[1:], *([f"Phone {phone}"] if phone else [])]:
        page.text(LEFT, y, line, size=10)
        y += 12
    y = 62.0
    for label, value in facts:
        page.text_right(446, y, label, "F2", 10)
        page.text(454, y, value, size=10)
        y += 14


def _facts(letter: Letter) -> list[tuple[str, str]]:
    return [("Letter date", long_date(letter.date)), ("Account number", letter.account),
            ("Amount due", format_display(letter.amount_due_cents, symbol=True)),
            ("Please pay by", long_date(letter.due_date))]


def _recipient(page: Page, lines: list[str]) -> None:
    y = 150.0
    for line in lines:
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


# The itemization table: (header, x, right-aligned) per column, within LEFT..RIGHT.
ITEM_COLUMNS = (("Visit", LEFT, False), ("Itemized from", 128.0, False), ("Balance then", 292.0, True),
                ("Interest", 346.0, True), ("Fees", 394.0, True), ("Paid or credited", 478.0, True),
                ("Balance now", RIGHT, True))
ITEM_SIZE = 9.5
SLIP_ITEMS = 4  # items with a tick box on the reply slip
BASIS_WORDS = {"last_statement": "the last statement", "placement": "the day it was sent to collection",
               "last_payment": "the last payment", "service": "the date of service"}

Item = tuple[str, str | tuple[str, ...]]  # (font, a line of text) or ("T"/"TH", a table row's cells)


def _itemization(items: tuple[Itemization, ...]) -> list[Item]:
    """The itemization of each placed debt (SPEC 15.3): its balance on the itemization date, plus
    interest and fees, minus payments and credits since, is its balance now."""
    if not items:
        return []
    bases = " or ".join(dict.fromkeys(BASIS_WORDS.get(i.basis, i.basis) for i in items))
    intro = (f"How the balance of each visit sent to collection came about. Each is itemized from {bases}: "
             "its balance then, plus interest and fees, minus payments and credits since, is its balance now.")
    out: list[Item] = [("F1", ""), ("F2", "Itemization")]
    out += [("F1", line) for line in wrap(intro, RIGHT - LEFT, size=BODY_SIZE)]
    out.append(("TH", tuple(h for h, _x, _r in ITEM_COLUMNS)))
    money = lambda cents: format_display(cents, symbol=True)  # noqa: E731
    for i in items:
        out.append(("T", (i.encounter, i.date.strftime("%m/%d/%Y"), money(i.balance_on_date), money(i.interest),
                          money(i.fees), money(i.payments_credits), money(i.current))))
    return out


def _paragraphs(letter: Letter) -> list[Item]:
    """What to print in the letter's text area, in order, a blank line between parts."""
    out: list[Item] = [("F2", line) for line in wrap(letter.title, RIGHT - LEFT, "F2", 12)]
    out.append(("F1", ""))
    out += [("F1", line) for line in wrap(letter.body, RIGHT - LEFT, size=BODY_SIZE)]
    out += _itemization(letter.itemization)
    for heading, text in (("Your payment plan", letter.plan_terms), ("How to pay", letter.how_to_pay)):
        if text:
            out += [("F1", ""), ("F2", heading)]
            out += [("F1", line) for line in wrap(text, RIGHT - LEFT, size=BODY_SIZE)]
    return out


def _info_paragraphs(letter: InfoRequest) -> list[Item]:
    out: list[Item] = [("F2", line) for line in wrap(letter.title, RIGHT - LEFT, "F2", 12)]
    out.append(("F1", ""))
    out += [("F1", line) for line in wrap(letter.body, RIGHT - LEFT, size=BODY_SIZE)]
    out.append(("F1", ""))
    for item in letter.items:
        first, *rest = wrap(item, RIGHT - LEFT - 24, size=BODY_SIZE)
        out += [("B", first), *(("I", line) for line in rest)]
    for heading, text in (("How to send it", letter.send_by), ("While we wait", letter.while_waiting)):
        out += [("F1", ""), ("F2", heading)]
        out += [("F1", line) for line in wrap(text, RIGHT - LEFT, size=BODY_SIZE)]
    return out


def _draw(page: Page, y: Points, font: str, line: str | tuple[str, ...], first: bool) -> None:
    if isinstance(line, tuple):
        bold = "F2" if font == "TH" else "F1"
        for text, (_h, x, right) in zip(line, ITEM_COLUMNS, strict=True):
            (page.text_right if right else page.text)(x, y, text, bold, ITEM_SIZE)
        if font == "TH":
            page.line(LEFT, y + 4, RIGHT, y + 4, weight=0.4)
    elif font in ("B", "I"):  # a listed item: a bullet, and its continuation lines indented
        if font == "B":
            page.text(LEFT + 10, y, "-", "F1", BODY_SIZE)
        page.text(LEFT + 24, y, line, "F1", BODY_SIZE)
    elif line:
        page.text(LEFT, y, line, font, 12 if font == "F2" and first else BODY_SIZE)


def _flow(page: Page, items: list[Item], name: str, account: str, slip: str) -> list[Page]:
    """Lay the items out from the top of the text area, continuing on new pages; the tear-off
    part goes on the last page (`slip` names it in the continuation note)."""
    pages, y = [page], 250.0
    for font, line in items:
        if y > TEXT_BOTTOM or (font in ("F2", "TH") and y + LEADING > TEXT_BOTTOM):  # a heading keeps its text
            page.text(LEFT, y + 6, f"Continued on the next page; the {slip} is on the last page.", size=9)
            page = Page()
            page.text(LEFT, 54, f"{name} - account {account} - continued", size=9)
            pages.append(page)
            y = 84.0
        _draw(page, y, font, line, y == 250.0)
        y += LEADING
    return pages


def letter_pages(letter: Letter) -> list[Page]:
    page = Page()
    _letterhead(page, letter.practice_lines, letter.phone, _facts(letter))
    _recipient(page, letter.recipient_lines)
    pages = _flow(page, _paragraphs(letter), letter.practice_lines[0], letter.account, "payment stub")
    _stub(pages[-1], letter)
    return pages


def _reply_slip(page: Page, letter: InfoRequest) -> None:
    page.line(LEFT - 18, STUB_TOP, RIGHT + 18, STUB_TOP, dash=True)
    page.text(LEFT, STUB_TOP + 12, "Please detach along the dashed line and send this part back with your "
                                   "documents.", size=8)
    page.text(LEFT, STUB_TOP + 34, "REPLY SLIP: FINANCIAL ASSISTANCE", "F2", 11)
    y = STUB_TOP + 54
    for label, value in (("Account holder", letter.holder), ("Account number", letter.account),
                         ("Application", str(letter.application)), ("Please reply by", long_date(letter.reply_by))):
        page.text(LEFT, y, label, "F2", 10)
        page.text(LEFT + 90, y, value, size=10)
        y += 14
    page.text(LEFT, y + 4, "Enclosed (please tick):", "F2", 10)
    y += 18
    # at most SLIP_ITEMS lines, so the slip ends half an inch above the page's edge
    shown = letter.items if len(letter.items) <= SLIP_ITEMS else letter.items[:SLIP_ITEMS - 1]
    for item in shown:
        page.box(LEFT, y - 8, 8, 8, 0.6)
        page.text(LEFT + 14, y, wrap(item, 250, size=9)[0], size=9)
        y += 11
    if len(shown) < len(letter.items):
        page.text(LEFT + 14, y, f"and {len(letter.items) - len(shown)} more, listed in the letter", size=9)
    x = 340.0
    page.text(x, STUB_TOP + 34, "Send it with your documents to", size=9)
    y = STUB_TOP + 48
    page.text(x, y, letter.practice_lines[0], "F2", 11)
    for line in ["Financial Assistance", *letter.practice_lines[1:]]:
        y += 14
        page.text(x, y, line, size=11)


def info_request_pages(letter: InfoRequest) -> list[Page]:
    page = Page()
    _letterhead(page, letter.practice_lines, letter.phone, letter.facts)
    _recipient(page, letter.recipient_lines)
    pages = _flow(page, _info_paragraphs(letter), letter.practice_lines[0], letter.account, "reply slip")
    _reply_slip(pages[-1], letter)
    return pages


def write_letters(fh: BinaryIO, letters: Iterable[Letter | InfoRequest], title: str) -> tuple[int, int, str]:
    """Stream the letters into `fh` as one PDF; returns (letters, pages, SHA-256)."""
    pdf = PdfStream(fh, title)
    count = 0
    for letter in letters:
        pages = info_request_pages(letter) if isinstance(letter, InfoRequest) else letter_pages(letter)
        for page in pages:
            pdf.add(page)
        count += 1
    return count, len(pdf.page_ids), pdf.close()
