"""Reading one CSV file into typed rows, or into `file:line: reason` problems.

Nothing here touches the database: a file is checked on its own (encoding, header, every cell).
Line numbers are physical lines of the file (the header is line 1), so a quoted cell that spans
lines does not shift the numbers an operator sees in an editor.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from core.imports.columns import CONTROL, FileSpec, in_window

PROBLEMS_SHOWN = 100


class Problems:
    """Every problem found, in the order found; the first 100 are shown, then a count of the rest."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, line: int, reason: str) -> None:
        self.items.append(f"{file}:{line}: {reason}")

    def __bool__(self) -> bool:
        return bool(self.items)

    def shown(self) -> list[str]:
        shown = self.items[:PROBLEMS_SHOWN]
        rest = len(self.items) - len(shown)
        if rest:
            shown.append(f"... and {rest} more problem{'s' if rest != 1 else ''}")
        return shown


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, Any]


@dataclass
class ParsedFile:
    spec: FileSpec
    present: frozenset[str] = frozenset()
    rows: list[Row] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name


def read_file(path: Path, spec: FileSpec, problems: Problems, as_of: dt.date) -> ParsedFile:
    """The file's rows with typed values (blank optional cells are None); problems go to `problems`.
    Dates are checked against their column's window around the business date `as_of`."""
    parsed = ParsedFile(spec)
    content = _decode(path.read_bytes(), spec.name, problems)
    if content is None:
        return parsed
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            problems.add(spec.name, 1, "the file is empty (a header row is required)")
            return parsed
        columns = _check_header(header, spec, problems)
        if columns is None:
            return parsed
        parsed.present = frozenset(columns)
        _read_rows(reader, columns, parsed, problems, as_of)
    except csv.Error as exc:
        problems.add(spec.name, reader.line_num, f"not readable as CSV: {exc}")
    return parsed


def _decode(data: bytes, name: str, problems: Problems) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.add(name, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start}); "
                                 "save the file as UTF-8 and import again")
        return None


def _check_header(header: list[str], spec: FileSpec, problems: Problems) -> list[str] | None:
    """The header's column names, or None when a column is missing, unknown or repeated."""
    columns = [h.strip().lower() for h in header]
    ok = True
    for name in columns:
        if name not in spec.names:
            problems.add(spec.name, 1, f"unknown column {name!r} (the columns are: {', '.join(spec.names)})")
            ok = False
    for name in sorted({c for c in columns if columns.count(c) > 1}):
        problems.add(spec.name, 1, f"column {name!r} appears more than once")
        ok = False
    for name in spec.required:
        if name not in columns:
            problems.add(spec.name, 1, f"required column {name!r} is missing")
            ok = False
    return columns if ok else None


def _read_rows(reader: Any, columns: list[str], parsed: ParsedFile, problems: Problems, as_of: dt.date) -> None:
    lines: list[int] = []
    raw: list[list[str]] = []
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not (cells and cells[0].strip()) and not "".join(cells).strip():
            continue  # a blank line, or a row of empty cells left by a spreadsheet
        lines.append(line)
        raw.append(cells)
    typed = _read_columns(raw, columns, parsed.spec, as_of)
    if typed is None:  # something is wrong: find it, cell by cell, and say where
        _read_cells(raw, lines, columns, parsed, problems, as_of)
        return
    rows = (dict(zip(columns, values, strict=True)) for values in zip(*typed, strict=True))
    parsed.rows = list(map(Row, lines, rows))


def _read_columns(raw: list[list[str]], columns: list[str], spec: FileSpec, as_of: dt.date) -> list[list[Any]] | None:
    """Every cell read a column at a time, or None at the first problem of any kind.

    The quick path for good files: the checks are those of `_read_cells`, made over a whole column
    at once (one search for control characters, the longest text against its limit, the earliest
    and latest date against their window), so a good cell costs no call of its own.
    """
    width = len(columns)
    if not raw:
        return [[] for _ in columns]
    if any(len(cells) != width for cells in raw):
        return None
    by_name = {c.name: c for c in spec.columns}
    out: list[list[Any]] = []
    for name, cells in zip(columns, zip(*raw, strict=True), strict=True):
        column = by_name[name]
        if CONTROL.search("".join(cells)):
            return None
        values = list(map(str.strip, cells, repeat(" ", len(cells))))  # " " only: see _read_cells
        blank = "" in values
        if blank and column.required:
            return None
        given = [v for v in values if v] if blank else values
        try:
            typed = column.read_all(given)
        except ValueError:
            return None
        if column.window and typed and (in_window(min(typed), column.window, as_of)
                                        or in_window(max(typed), column.window, as_of)):
            return None
        if blank:
            it = iter(typed)
            typed = [next(it) if v else None for v in values]
        out.append(typed)
    return out


def _read_cells(raw: list[list[str]], lines: list[int], columns: list[str], parsed: ParsedFile, problems: Problems,
                as_of: dt.date) -> None:
    spec = parsed.spec
    by_name = {c.name: c for c in spec.columns}
    cells_of = [(name, by_name[name].read, by_name[name].required, by_name[name].window) for name in columns]
    width = len(columns)
    for line, cells in zip(lines, raw, strict=True):
        if len(cells) != width:
            problems.add(spec.name, line, f"has {len(cells)} fields, the header has {width}")
            continue
        values: dict[str, Any] = {}
        for (name, read, required, window), cell_raw in zip(cells_of, cells, strict=True):  # both `width` long
            if CONTROL.search(cell_raw):
                problems.add(spec.name, line, f"{name}: holds a control character (NUL, tab, line break "
                                              "or another invisible one); remove it and import again")
                continue
            cell = cell_raw.strip(" ")   # not str.strip(): a no-break space is no blank to ignore
            if not cell:
                values[name] = None
                if required:
                    problems.add(spec.name, line, f"{name}: a value is required")
                continue
            try:
                values[name] = read(cell)
            except ValueError as exc:
                problems.add(spec.name, line, f"{name}: {exc}")
                continue
            why = in_window(values[name], window, as_of) if window else None
            if why:
                problems.add(spec.name, line, f"{name}: {why}")
        parsed.rows.append(Row(line, values))
