"""A streaming PDF writer for printed letters: text and rules in the standard Helvetica fonts.

Why not fpdf2 for the letters: fpdf2 keeps every page of a document in memory until it writes
the file, so ten thousand letters cost memory in proportion to the batch. Letters need only the
PDF core fonts (nothing embedded), text and a few lines, so each page is written to the file as
soon as it is laid out and forgotten; what stays in memory is one object offset per object. The
font widths (for wrapping and right-aligning) are the standard Helvetica metrics shipped with
fpdf2. Text is encoded as WinAnsi (Latin-1 here): common typographic characters are mapped to
plain ones and anything else prints as "?", never breaking a batch.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import BinaryIO

PAGE_W, PAGE_H = 612.0, 792.0  # US Letter, in points
Points = float  # a position or length on the page (layout modules name it so, never money)
FONTS = {"F1": ("Helvetica", "helvetica"), "F2": ("Helvetica-Bold", "helveticaB")}
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u2026": "...", "\t": " "})


def latin1(text: str) -> str:
    """What the core fonts can print of `text`."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _widths() -> dict[str, dict[str, int]]:
    from fpdf.fonts import CORE_FONTS_CHARWIDTHS
    return {font: CORE_FONTS_CHARWIDTHS[key] for font, (_name, key) in FONTS.items()}


_WIDTHS: dict[str, dict[str, int]] = {}


@lru_cache(maxsize=4096)  # bounded: memory stays flat however many letters
def _units(text: str, font: str) -> int:
    """Width in thousandths of the font size; letters repeat their words, so each is measured once."""
    if not _WIDTHS:
        _WIDTHS.update(_widths())
    table = _WIDTHS[font]
    return sum(table.get(ch, 600) for ch in latin1(text))


def width(text: str, font: str = "F1", size: float = 10) -> float:
    """The printed width of `text` in points."""
    return _units(text, font) * size / 1000


def wrap(text: str, max_width: float, font: str = "F1", size: float = 10) -> list[str]:
    """Lines of `text` no wider than max_width (paragraph breaks kept; a word too long for a
    line is put on a line of its own; a no-break space keeps its words together). Measured word
    by word, never a whole line again."""
    limit = max_width * 1000 / size
    space = _units(" ", font)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = 0
        for word in paragraph.replace("\t", " ").split(" "):
            if not word:
                continue
            w = _units(word, font)
            if words and used + space + w > limit:
                lines.append(" ".join(words))
                words, used = [], 0
            used += (space if words else 0) + w
            words.append(word)
        lines.append(" ".join(words))
    return lines


def _escape(text: str) -> str:
    return latin1(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


@dataclass
class Page:
    """One page's drawing operations; y is measured from the top of the page, in points."""
    ops: list[str] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, font: str = "F1", size: float = 10) -> None:
        self.ops.append(f"BT /{font} {size:g} Tf {x:.2f} {PAGE_H - y:.2f} Td ({_escape(text)}) Tj ET")

    def text_right(self, right: float, y: float, text: str, font: str = "F1", size: float = 10) -> None:
        self.text(right - width(text, font, size), y, text, font, size)

    def line(self, x1: float, y1: float, x2: float, y2: float, weight: float = 0.6, dash: bool = False) -> None:
        pattern = "[4 3] 0 d" if dash else "[] 0 d"
        self.ops.append(f"{weight:g} w {pattern} {x1:.2f} {PAGE_H - y1:.2f} m {x2:.2f} {PAGE_H - y2:.2f} l S")

    def box(self, x: float, y: float, w: float, h: float, weight: float = 0.8) -> None:
        self.ops.append(f"{weight:g} w [] 0 d {x:.2f} {PAGE_H - y - h:.2f} {w:.2f} {h:.2f} re S")

    def content(self) -> bytes:
        return "\n".join(self.ops).encode("latin-1")


class PdfStream:
    """Writes a PDF to an open binary file page by page; `close` writes the page tree, the cross
    reference and the trailer. The SHA-256 of everything written is kept as it goes."""

    def __init__(self, fh: BinaryIO, title: str = "") -> None:
        self.fh, self.title = fh, title
        self.pos = 0
        self.offsets: list[int] = []   # byte offset of object n+1 (objects 1-2: catalog, pages)
        self.page_ids: list[int] = []  # kept small: one int per page for the page tree
        self.digest = hashlib.sha256()
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.offsets += [0, 0]         # catalog and page tree come last, when the pages are known
        self.font_ids = {name: self._object(f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} "
                                            "/Encoding /WinAnsiEncoding >>".encode())
                         for name, (base, _key) in FONTS.items()}
        self.resources = " ".join(f"/{n} {i} 0 R" for n, i in self.font_ids.items())

    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        self.digest.update(data)
        self.pos += len(data)

    def _object(self, body: bytes, number: int | None = None) -> int:
        if number is None:
            self.offsets.append(self.pos)
            number = len(self.offsets)
        else:
            self.offsets[number - 1] = self.pos
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        return number

    def add(self, page: Page) -> None:
        data = zlib.compress(page.content(), 6)
        stream = self._object(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
                              + b"\nendstream")
        self.page_ids.append(self._object(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W:g} {PAGE_H:g}] /Contents {stream} 0 R "
            f"/Resources << /Font << {self.resources} >> >> >>".encode()))

    def close(self) -> str:
        """Finish the file; returns its SHA-256 (hex)."""
        kids = " ".join(f"{i} 0 R" for i in self.page_ids)
        self._object(f"<< /Type /Pages /Count {len(self.page_ids)} /Kids [{kids}] >>".encode(), 2)
        self._object(b"<< /Type /Catalog /Pages 2 0 R >>", 1)
        info = self._object(f"<< /Title ({_escape(self.title)}) /Producer (Recoup) >>".encode())
        xref = self.pos
        rows = b"".join(b"%010d 00000 n \n" % off for off in self.offsets)
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.offsets) + 1) + rows)
        self._write(f"trailer\n<< /Size {len(self.offsets) + 1} /Root 1 0 R /Info {info} 0 R >>\n"
                    f"startxref\n{xref}\n%%EOF\n".encode())
        return self.digest.hexdigest()
