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
        out.writerow(["D", *("" if v is None else v for v in fields)])
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


def _lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record ends, its fields): a quoted field may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        yield reader.line_num, fields


def _control(value: str) -> bool:
    return any(ord(ch) < 32 for ch in value)


def read(name: str, data: bytes, kind: str, amount: str, required: tuple[str, ...]) -> Read:
    """Read an exchange file of `kind`; the trailer's total is over column `amount` (dollars and
    cents, as every amount in these files). Raises BadInput listing every problem."""
    text = decode(name, data)
    it = _lines(text)
    head = _header(name, next(it, (1, [])), kind)
    n, cols = next(it, (2, []))
    if not cols or cols[0] != "C":
        refuse([f"{name}:{n}: the second line must name the columns (C,...)"])
    columns = [c.strip() for c in cols[1:]]
    missing = [c for c in required if c not in columns]
    if missing:
        refuse([f"{name}:{n}: no {missing[0]} column (a {kind} file needs: {', '.join(required)})"])
    out = Read(name, head, columns)
    problems: list[str] = []
    trailer: tuple[int, list[str]] | None = None
    for n, fields in it:
        if not fields:
            continue
        if trailer is not None:
            problems.append(f"{name}:{n}: a record after the trailer (T) line")
            break
        if any(_control(v) for v in fields):
            problems.append(f"{name}:{n}: control characters (such as NUL or tab) are not allowed")
        elif fields[0] == "T":
            trailer = (n, fields)
        elif fields[0] != "D":
            problems.append(f"{name}:{n}: record type {fields[0][:3]!r} is not D (detail) or T (trailer)")
        elif len(fields) != len(columns) + 1:
            problems.append(f"{name}:{n}: {len(fields) - 1} fields, the columns line names {len(columns)}")
        else:
            record = {c: v.strip() for c, v in zip(columns, fields[1:], strict=True)}
            out.records.append((n, record))
            out.count += 1
            try:
                out.total_cents += money.parse_optional(record.get(amount)) or 0
            except money.AmountError as exc:
                problems.append(f"{name}:{n}: {amount}: {exc}")
    refuse(problems)
    _trailer(name, trailer, out, n + 1 if out.records or trailer else 3)
    return out


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


def _trailer(name: str, trailer: tuple[int, list[str]] | None, out: Read, end: int) -> None:
    if trailer is None:
        refuse([f"{name}:{end}: no trailer (T) line: the file is incomplete (cut short?); nothing was read"])
        return
    n, fields = trailer
    if len(fields) != 3 or not all(v.strip().lstrip("-").isdigit() for v in fields[1:]):
        refuse([f"{name}:{n}: the trailer must be T,record count,total cents"])
    count, cents = int(fields[1]), int(fields[2])
    if count != out.count or cents != out.total_cents:
        refuse([f"{name}:{n}: the trailer says {count} records, {cents} cents; the file holds {out.count} "
                 f"records, {out.total_cents} cents — rejected whole, nothing was posted"])
