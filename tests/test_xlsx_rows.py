"""The row-streaming worksheet writes the same spreadsheet as xlsxwriter's own per-cell calls."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from core import xlsx_rows
from core.exchange import agency_files

AWKWARD = ["a&b", " leading", "trailing ", "tab\tinside", "two\nlines", "bell\x07", "_x0041_", 'say "hi"', "",
           "ü € 😀", "=1+2", "http://example.com", "<b>bold</b>"]


def _rows():
    for i in range(60):
        text = AWKWARD[i % len(AWKWARD)]
        yield (7, i + 1, f"E{i}", "2026-03-01" if i % 3 else dt.date(1900, 2, 1 + i % 28), text, f"G{i}", text,
               None if i % 5 == 0 else "1970-01-02", f"{i} Main St", None, "Springfield", "IL", "62701", None,
               (-1) ** i * (i * 12345), 1)


def _sheet(monkeypatch: pytest.MonkeyPatch, fast: bool) -> tuple[tuple[int, int], zipfile.ZipFile]:
    monkeypatch.setattr(xlsx_rows, "usable", lambda: fast)
    cols = [agency_files.COLUMNS[k] for k in agency_files.DEFAULT_COLUMNS]
    out = io.BytesIO()
    result = agency_files._write_xlsx(out, cols, _rows(), "Agency")
    return result, zipfile.ZipFile(out)


def test_row_stream_is_byte_for_byte_the_per_cell_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    assert xlsx_rows.usable()
    fast, fast_zip = _sheet(monkeypatch, True)
    slow, slow_zip = _sheet(monkeypatch, False)
    assert fast == slow == (60, 60)
    for name in ("xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml"):
        assert fast_zip.read(name) == slow_zip.read(name), name


def test_row_stream_reads_back(monkeypatch: pytest.MonkeyPatch) -> None:
    _, book = _sheet(monkeypatch, True)
    ws = openpyxl.load_workbook(io.BytesIO(book.fp.getvalue())).active  # type: ignore[union-attr]
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == tuple(agency_files.COLUMNS[k].header for k in agency_files.DEFAULT_COLUMNS)
    for i, row in enumerate(values[1:]):
        text = AWKWARD[i % len(AWKWARD)]
        if "\x07" not in text and "_x" not in text:  # openpyxl leaves Excel's _xHHHH_ escapes as they are
            assert row[4] == text and row[6] == text
        assert Decimal(str(row[14])).scaleb(2) == (-1) ** i * (i * 12345)
        assert row[3].date() == (dt.date(2026, 3, 1) if i % 3 else dt.date(1900, 2, 1 + i % 28))
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O61"
    assert ws["O2"].number_format.startswith("$#,##0.00") and ws["D2"].number_format == "yyyy-mm-dd"


# ---- without xlsxwriter's private API: the public per-cell writer, the same workbook --------------

def _book(out: io.BytesIO) -> dict[str, object]:
    """Everything an operator sees of the sheet, read back with openpyxl."""
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert ws is not None
    return {"title": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "cells": [[(c.value, c.number_format, bool(c.font.b)) for c in row] for row in ws.iter_rows()]}


def _written() -> tuple[tuple[int, int], dict[str, object]]:
    cols = [agency_files.COLUMNS[k] for k in agency_files.DEFAULT_COLUMNS]
    out = io.BytesIO()
    result = agency_files._write_xlsx(out, cols, _rows(), "Agency")
    return result, _book(out)


def test_a_missing_worksheet_internal_falls_back_to_the_public_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert xlsx_rows.usable()
    fast = _written()
    # as if the next xlsxwriter had renamed one of the Worksheet internals RowStreamSheet writes through
    monkeypatch.setattr(xlsx_rows, "_INTERNALS", (*xlsx_rows._INTERNALS, "_renamed_in_a_later_release"))
    assert not xlsx_rows.usable()
    assert _written() == fast


def test_missing_private_helpers_fall_back_to_the_public_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import xlsxwriter.utility
    fast = _written()
    try:
        with monkeypatch.context() as m:
            m.delattr(xlsxwriter.utility, "_utf16_truncate")  # as if a release had removed it
            importlib.reload(xlsx_rows)  # core.xlsx_rows still imports
            assert not xlsx_rows.usable()
            assert _written() == fast
    finally:
        importlib.reload(xlsx_rows)  # the real helpers again, for the tests that follow
    assert xlsx_rows.usable()
