"""A worksheet that streams whole rows in xlsxwriter's constant-memory mode, for big agency files.

Why: xlsxwriter's per-cell path (write_* -> a cell tuple -> _write_cell with per-attribute
escaping and two regular expressions per string) costs about ten microseconds a cell; a 50,000-row
agency file has 750,000 cells, which is most of its time. This subclass (xlsxwriter documents
subclassing Worksheet through `Workbook.add_worksheet(worksheet_class=...)`) writes one row of
cells as a single XML string, in exactly the form xlsxwriter writes them in constant-memory mode:
inline strings, numbers as `{:.16G}`, the column's style index on its cells. Everything else —
header row, column widths and formats, frozen panes, autofilter, styles, the zip container — is
still xlsxwriter's. A string that needs any escaping (XML specials, control characters, leading or
trailing blanks, xlsxwriter's own _xHHHH_ escapes) goes through xlsxwriter's own escaping helpers.

It relies on a few internals of xlsxwriter: of the Worksheet in constant-memory mode (`fh`,
`previous_row`, `_write_single_row`, `_write_row`, `_check_dimensions`, the escaping helpers), of
Format (`_get_xf_index`) and of xlsxwriter.utility (`_preserve_whitespace`, `_utf16_len`,
`_utf16_truncate`). pyproject.toml pins xlsxwriter below its next major version; `usable()` says
whether the internals are there, and core.exchange.agency_files falls back to the ordinary (public)
per-cell calls when they are not — tests/test_xlsx_rows.py proves both write the same workbook.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

try:  # private helpers: a release may rename them; then usable() is False and nothing uses them
    from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate
    _HELPERS = True
except ImportError:  # pragma: no cover - depends on the installed xlsxwriter
    _HELPERS = False

# Anything xlsxwriter would change or mark in an inline string.
_SPECIAL = re.compile(r"[\x00-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|\A\s|\s\Z")
SHORT = 16_000  # a string this short is within Excel's length limit whatever its characters
_INTERNALS = ("_write_single_row", "_write_row", "_check_dimensions", "_escape_control_characters",
              "_escape_data", "_convert_date_time")


def usable() -> bool:
    """True when the installed xlsxwriter has the internals this class writes through."""
    return _HELPERS and hasattr(Format, "_get_xf_index") and all(hasattr(Worksheet, name) for name in _INTERNALS)


class RowStreamSheet(Worksheet):
    """Worksheet.append(row, values): one data row per call, in increasing row order."""

    _columns: list[tuple[bool, Format | None]]
    _layout: list[tuple[str, bool, str]] | None = None
    _plain_rows = False

    def set_layout(self, numeric: Sequence[bool], formats: Sequence[Format | None]) -> None:
        """Per column: a number (True) or a string cell, and the format of its cells."""
        self._columns = list(zip(numeric, formats, strict=False))

    def _make_layout(self) -> list[tuple[str, bool, str]]:
        # After the header row is flushed, so the style indexes are numbered as xlsxwriter would.
        return [(xl_col_to_name(c), is_number, f' s="{fmt._get_xf_index()}"' if fmt is not None else "")
                for c, (is_number, fmt) in enumerate(self._columns)]

    def append(self, row: int, values: Sequence[str | None]) -> None:
        """Write row `row` (0-based): values are per column, the text of a number (already in the
        form xlsxwriter writes: use `number_text`) or a string; None leaves the cell empty."""
        if not self.constant_memory or row <= self.previous_row:
            raise ValueError("RowStreamSheet.append needs constant_memory and increasing rows")
        self._write_single_row(row)  # flush what xlsxwriter holds (the header), then this row is current
        if self._layout is None:
            self._layout = self._make_layout()
            # rows of the default height, no Excel 2010 extras: a <row> tag with only its number
            self._plain_rows = (self.default_row_height == self.original_row_height and self.excel_version != 2010)
        r = str(row + 1)
        cells = []
        first = last = -1
        for c, ((col, is_number, style), value) in enumerate(zip(self._layout, values, strict=False)):
            if value is None:
                continue
            if first < 0:
                first = c
            last = c
            if is_number:
                cells.append(f'<c r="{col}{r}"{style}><v>{value}</v></c>')
            elif len(value) < SHORT and not _SPECIAL.search(value):  # the usual case, written as is
                cells.append(f'<c r="{col}{r}"{style} t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                cells.append(self._inline(f"{col}{r}", style, value))
        if first < 0:
            return
        self._check_dimensions(row, first)
        self._check_dimensions(row, last)
        if self._plain_rows and row not in self.row_info:
            self.fh.write(f'<row r="{r}">{"".join(cells)}</row>')  # what _write_row writes for such a row
        else:
            self._write_row(row, None, self.row_info.get(row))
            self.fh.write("".join(cells) + "</row>")

    def _inline(self, ref: str, style: str, text: str) -> str:
        if len(text) > self.xls_strmax // 2 and _utf16_len(text) > self.xls_strmax:
            text = _utf16_truncate(text, self.xls_strmax)
        preserve = ""
        if _SPECIAL.search(text):
            text = self._escape_control_characters(text)
            if _preserve_whitespace(text):
                preserve = ' xml:space="preserve"'
            text = self._escape_data(text)
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def number_text(number: object) -> str:
    """A number as xlsxwriter writes it into a cell."""
    return f"{number:.16G}"
