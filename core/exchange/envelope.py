"""The exchange file layout (docs/agency-exchange.md): CSV whose first field names the record.

    H,practice,agency,batch,kind,created        the header: whose file, which batch, what it carries
    C,column,column,...                         the names of the detail columns
    D,value,value,...                           one detail record per line
    T,record count,total cents                  the trailer: control totals over the D records

Writing streams the records and ends with the trailer it counted. Reading checks everything
before anything is used: the header, the columns, every record's field count, and the trailer
against the records (a file whose trailer disagrees, or that has none — cut short — is rejected
whole). A byte-order mark and CRLF line ends (spreadsheet programs write both) are accepted;
NUL and other control characters are not. Problems are `file:line: reason`, never a value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from core import money
from core.errors import BadInput

HEADER_FIELDS = ("practice", "agency", "batch", "kind", "created")
SHOWN = 50  # problems listed before "and N more"


@dataclass(frozen=True)
class Header:
    practice: str
    agency: str
    batch: int
    kind: str
    created: dt.date


def write(fh: IO[str], header: Header, columns: list[str],
          rows: Iterable[tuple[list[Any], int]]) -> tuple[int, int]:
    """Write the whole file: each row is (its fields, text or None = empty; its cents for the
    trailer). Returns (records, total cents)."""
    out = csv.writer(fh, lineterminator="\n")
    out.writerow(["H", header.practice, header.agency, header.batch, header.kind, header.created.isoformat()])
    out.writerow(["C", *columns])
    count = total = 0
    for fields, cents in rows:
        out.writerow(["D", *fields])  # None is written as an empty field
        count += 1
        total += cents
    out.writerow(["T", count, total])
    return count, total


@dataclass
class Read:
    """A file read and checked: header, columns, and the detail records with their line numbers."""
    name: str
    header: Header
    columns: list[str]
    records: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    count: int = 0
    total_cents: int = 0


def refuse(problems: list[str]) -> None:
    """Raise one BadInput naming the first problem and listing the rest (bounded)."""
    if problems:
        more = [f"... and {len(problems) - SHOWN} more problems"] if len(problems) > SHOWN else []
        raise BadInput(problems[0], field="file", problems=problems[:SHOWN] + more)


def decode(name: str, data: bytes) -> str:
    """UTF-8 text (a BOM dropped); anything else is one clear message."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise BadInput(f"{name}:{line}: not UTF-8 text (save the file as CSV UTF-8)", field="file") from None


def _lines(fh: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record ends, its fields): a quoted field may span lines."""
    reader = csv.reader(fh)
    for fields in reader:
        yield reader.line_num, fields


CONTROL = re.compile(r"[\x00-\x1f]")


def _control(fields: list[str]) -> bool:
    """Any NUL, tab or other control character in the record's fields (one search over them all)."""
    return CONTROL.search("".join(fields)) is not None


class Problems:
    """The problems found, the first SHOWN of them kept (a bad file of a million lines costs no
    more memory than one of a hundred), and how many there were."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.count = 0

    def add(self, problem: str) -> None:
        self.count += 1
        if len(self.kept) < SHOWN:
            self.kept.append(problem)

    def extend(self, problems: Iterable[str]) -> None:
        for problem in problems:
            self.add(problem)

    def refuse(self) -> None:
        if self.count:
            more = [f"... and {self.count - SHOWN} more problems"] if self.count > SHOWN else []
            raise BadInput(self.kept[0], field="file", problems=self.kept + more)


class Reader:
    """An exchange file read as a stream: the header and the columns when it is opened, then the
    detail records one at a time (`records`), counted and totalled as they go, so a file of any
    size is read in the same memory. Nothing may be used for good before `finish`, which refuses
    the file whole when any record was bad or the trailer disagrees (the caller's transaction,
    rolled back, takes whatever it staged with it)."""

    def __init__(self, name: str, fh: IO[str], kind: str, amount: str, required: tuple[str, ...]) -> None:
        self.name, self.amount = name, amount
        self._last = 0
        self._it = _lines(fh)
        self.header = _header(name, self._next((1, [])), kind)
        n, cols = self._next((2, []))
        if not cols or cols[0] != "C":
            refuse([f"{name}:{n}: the second line must name the columns (C,...)"])
        self.columns = [c.strip() for c in cols[1:]]
        missing = [c for c in required if c not in self.columns]
        if missing:
            refuse([f"{name}:{n}: no {missing[0]} column (a {kind} file needs: {', '.join(required)})"])
        self.problems = Problems()
        self.count = self.total_cents = 0
        self._trailer: tuple[int, list[str]] | None = None
        self._last = n

    def _next(self, empty: tuple[int, list[str]]) -> tuple[int, list[str]]:
        try:
            return next(self._it, empty)
        except UnicodeDecodeError:
            line = empty[0] if empty[0] > 0 else self._last + 1
            raise BadInput(f"{self.name}:{line}: not UTF-8 text (save the file as CSV UTF-8)", field="file") from None

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """The well-formed D records with their line numbers (the others are problems)."""
        name, n_cols = self.name, len(self.columns) + 1
        while True:
            n, fields = self._next((-1, []))
            if n == -1:
                return
            self._last = n
            if not fields:
                continue
            if self._trailer is not None:
                self.problems.add(f"{name}:{n}: a record after the trailer (T) line")
                return
            if _control(fields):
                self.problems.add(f"{name}:{n}: control characters (such as NUL or tab) are not allowed")
            elif fields[0] == "T":
                self._trailer = (n, fields)
            elif fields[0] != "D":
                self.problems.add(f"{name}:{n}: record type {fields[0][:3]!r} is not D (detail) or T (trailer)")
            elif len(fields) != n_cols:
                self.problems.add(f"{name}:{n}: {len(fields) - 1} fields, the columns line names {len(self.columns)}")
            else:
                record = {c: v.strip() for c, v in zip(self.columns, fields[1:], strict=True)}
                self.count += 1
                try:
                    self.total_cents += money.parse_optional(record.get(self.amount)) or 0
                except money.AmountError as exc:
                    self.problems.add(f"{name}:{n}: {self.amount}: {exc}")
                    continue
                yield n, record

    def finish(self) -> None:
        """After `records`: refuse the file whole for any bad record, then for its trailer."""
        self.problems.refuse()
        _trailer(self.name, self._trailer, self.count, self.total_cents,
                 self._last + 1 if self.count or self._trailer else 3)


def read(name: str, data: bytes, kind: str, amount: str, required: tuple[str, ...]) -> Read:
    """Read an exchange file of `kind` whole; the trailer's total is over column `amount` (dollars
    and cents, as every amount in these files). Raises BadInput listing every problem."""
    reader = Reader(name, io.StringIO(decode(name, data), newline=""), kind, amount, required)
    records = list(reader.records())
    reader.finish()
    return Read(name, reader.header, reader.columns, records, reader.count, reader.total_cents)


def open_text(path: Any) -> IO[str]:
    """A file opened for `Reader`: UTF-8 (a BOM dropped), any line ends, read as it streams."""
    return open(path, encoding="utf-8-sig", newline="")


def _header(name: str, line: tuple[int, list[str]], kind: str) -> Header:
    n, fields = line
    if not fields or fields[0] != "H" or len(fields) != len(HEADER_FIELDS) + 1:
        refuse([f"{name}:{n}: the first line must be the header H,{','.join(HEADER_FIELDS)}"])
    _, practice, agency, batch, got, created = (v.strip() for v in fields)
    if got != kind:
        refuse([f"{name}:{n}: kind: this is a {got[:20]!r} file, not a {kind} file"])
    if not batch.isdigit():
        refuse([f"{name}:{n}: batch: not a whole number"])
    try:
        day = dt.date.fromisoformat(created)
    except ValueError:
        refuse([f"{name}:{n}: created: not a date like 2026-11-23"])
        raise  # unreachable: refuse raised
    return Header(practice, agency, int(batch), got, day)


def _trailer(name: str, trailer: tuple[int, list[str]] | None, count: int, total_cents: int, end: int) -> None:
    if trailer is None:
        refuse([f"{name}:{end}: no trailer (T) line: the file is incomplete (cut short?); nothing was read"])
        return
    n, fields = trailer
    if len(fields) != 3 or not all(v.strip().lstrip("-").isdigit() for v in fields[1:]):
        refuse([f"{name}:{n}: the trailer must be T,record count,total cents"])
    said, cents = int(fields[1]), int(fields[2])
    if said != count or cents != total_cents:
        refuse([f"{name}:{n}: the trailer says {said} records, {cents} cents; the file holds {count} "
                 f"records, {total_cents} cents — rejected whole, nothing was posted"])
