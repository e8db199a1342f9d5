"""The six import files of SPEC section 11: their columns, which are required, and how a cell is read.

A cell is read by a small function that returns the typed value or raises ValueError with a reason
an operator can act on. Text lengths come from the model columns, so the import refuses exactly
what the database could not hold, and says so before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core import money
from core.models.ledger import (
    GUARANTOR_KINDS,
    INSURANCE_STATUSES,
    RESPONSIBILITIES,
    Encounter,
    Guarantor,
    LedgerTxn,
    Practice,
    ServiceLine,
    Statement,
)

Reader = Callable[[str], Any]
# A reader of a whole column of non-blank cells at once (the quick path of core.imports.reader):
# the same values the reader gives cell by cell, or ValueError if any cell is bad (which one is
# then found cell by cell). Readers without one are called per cell.
ColumnReader = Callable[[list[str]], list[Any]]
_COLUMN_READERS: dict[Reader, ColumnReader] = {}


def _reads_columns(read: Reader, read_all: ColumnReader) -> Reader:
    _COLUMN_READERS[read] = read_all
    return read

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNT = re.compile(r"[0-9]{1,9}")
# An amount as a practice system writes it: ASCII digits (thousands commas allowed), an optional
# minus, at most two decimals. No currency sign, no other script's digits, no odd spaces: a
# reader must never guess what "$12.00" or fullwidth or Arabic-Indic digits meant.
_AMOUNT = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?|-?\.[0-9]{1,2}")
# What no cell may hold: NUL and the other control characters (C0, DEL, C1). They are invisible,
# break the fixed-width agency files and letters, and PostgreSQL refuses NUL outright.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Dates outside these windows are typos (9999-12-31, a birth date next year), not history.
EARLIEST = dt.date(1900, 1, 1)
FUTURE_DAYS = 366
PAST, EVENT = "past", "event"   # Column.window: not after the business date / at most a year after it
# Larger than any real charge or payment; keeps a typo like "1000000000000" out of the ledger.
MAX_AMOUNT_CENTS = 100_000_000_00
IMPORT_TXN_KINDS = ("payment", "adjustment")
IMPORT_TXN_SOURCES = ("patient", "insurance", "employer", "agency", "other")
BANKRUPTCY_CHAPTERS = ("7", "11", "12", "13")


def length(model: Any, column: str) -> int:
    """The declared length of a model's text column."""
    return int(model.__table__.c[column].type.length)


def in_window(day: dt.date, window: str, as_of: dt.date) -> str | None:
    """Why a date is not believable for its column, or None. Birth and death dates (PAST) lie
    from 1900 to the business date; service, posting, payment and statement dates (EVENT) from
    1900 to FUTURE_DAYS after it."""
    latest = as_of if window == PAST else as_of + dt.timedelta(days=FUTURE_DAYS)
    if day < EARLIEST:
        return f"before {EARLIEST.isoformat()}; check the year"
    if day > latest:
        return ("after the business date; it cannot be in the future" if window == PAST
                else f"more than {FUTURE_DAYS} days after the business date; check the year")
    return None


def text(max_len: int) -> Reader:
    def read(value: str) -> str:
        if len(value) > max_len:
            raise ValueError(f"is {len(value)} characters long; at most {max_len} fit")
        return value

    def read_all(values: list[str]) -> list[str]:
        if values and max(map(len, values)) > max_len:
            raise ValueError("too long")
        return values
    return _reads_columns(read, read_all)


@lru_cache(maxsize=8192)  # an export repeats its dates thousands of times: one object each
def iso_date(value: str) -> dt.date:
    if not _ISO_DATE.fullmatch(value):
        raise ValueError("not a date (write it as YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date (no such day)") from None


_reads_columns(iso_date, lambda values: list(map(iso_date, values)))


# The messages below never repeat the cell: it may be a patient's birth date, name or phone
# typed into the wrong column. The file, line and column name where to look.

def amount(value: str) -> int:
    if not _AMOUNT.fullmatch(value):
        raise ValueError("not an amount (write it like 1234.56: digits 0-9, an optional minus, "
                         "no currency sign)")
    cents = money.parse(value)
    if abs(cents) >= MAX_AMOUNT_CENTS:
        raise ValueError("larger than any amount Recoup accepts")
    return cents


_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,9}\.[0-9]{2}")  # 1234.56: its digits are its cents


def _amounts(values: list[str]) -> list[int]:
    plain = _PLAIN_AMOUNT.fullmatch
    cents = [int(v.replace(".", "")) if plain(v) else amount(v) for v in values]
    if cents and max(map(abs, cents)) >= MAX_AMOUNT_CENTS:
        raise ValueError("too large")
    return cents


_reads_columns(amount, _amounts)


def count(value: str) -> int:
    if not _COUNT.fullmatch(value):
        raise ValueError("not a whole number (write it like 0, 1, 2)")
    return int(value)


def _counts(values: list[str]) -> list[int]:
    if not all(map(_COUNT.fullmatch, values)):
        raise ValueError("not a whole number")
    return list(map(int, values))


_reads_columns(count, _counts)


def income(value: str) -> int:
    cents = amount(value)
    if cents < 0:
        raise ValueError("negative; a household income is 0.00 or more")
    return cents


def household(value: str) -> int:
    size = count(value)
    if not 1 <= size <= 99:
        raise ValueError("not a household size from 1 to 99")
    return size


def one_of(values: tuple[str, ...]) -> Reader:
    canonical = {v: v for v in values}  # hand back the shared constant, not the cell's copy

    def read(value: str) -> str:
        if value not in canonical:
            raise ValueError(f"not one of: {', '.join(values)}")
        return canonical[value]

    def read_all(cells: list[str]) -> list[str]:
        if not canonical.keys() >= set(cells):
            raise ValueError("not one of them")
        return list(map(canonical.__getitem__, cells))
    return _reads_columns(read, read_all)


def yes_no(value: str) -> bool:
    upper = value.upper()
    if upper not in ("Y", "N"):
        raise ValueError("not Y or N")
    return upper == "Y"


def _yes_nos(values: list[str]) -> list[bool]:
    upper = list(map(str.upper, values))
    if not {"Y", "N"} >= set(upper):
        raise ValueError("not Y or N")
    return [u == "Y" for u in upper]


_reads_columns(yes_no, _yes_nos)


@dataclass(frozen=True)
class Column:
    name: str
    read: Reader
    required: bool = False
    window: str | None = None   # a date column's window around the business date (in_window)

    def read_all(self, values: list[str]) -> list[Any]:
        """Read non-blank cells of this column; ValueError if any is bad."""
        read_all = _COLUMN_READERS.get(self.read)
        return read_all(values) if read_all is not None else list(map(self.read, values))


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _req(name: str, read: Reader, window: str | None = None) -> Column:
    return Column(name, read, required=True, window=window)


def _opt(name: str, read: Reader, window: str | None = None) -> Column:
    return Column(name, read, window=window)


_PID = text(length(Practice, "source_id"))
_GID = text(length(Guarantor, "source_id"))
_EID = text(length(Encounter, "source_id"))
_LID = text(length(ServiceLine, "source_id"))

PRACTICES = FileSpec("practices.csv", (
    _req("practice_id", _PID), _req("name", text(length(Practice, "name"))),
    # the practice profile letters print (SPEC 15); remit_to: lines separated by "|" or a comma
    *(_opt(c, text(length(Practice, c))) for c in ("address1", "address2", "city", "state", "zip", "phone",
                                                  "remit_to")),
))
GUARANTORS = FileSpec("guarantors.csv", (
    _req("guarantor_id", _GID), _req("practice_id", _PID), _req("kind", one_of(GUARANTOR_KINDS)),
    _req("name", text(length(Guarantor, "name"))), _opt("birth_date", iso_date, PAST),
    *(_opt(c, text(length(Guarantor, c)))
      for c in ("address1", "address2", "city", "state", "zip", "phone", "billing_group")),
    _opt("returned_mail", yes_no), _opt("date_of_death", iso_date, PAST),
    *(_opt(c, text(length(Guarantor, c))) for c in ("responsible_party_name", "responsible_party_address")),
    _opt("bankruptcy_filed", iso_date, EVENT), _opt("bankruptcy_chapter", one_of(BANKRUPTCY_CHAPTERS)),
    _opt("bankruptcy_case", text(length(Guarantor, "bankruptcy_case"))),
    _opt("household_income", income), _opt("household_size", household),
))
# the guarantor columns of SPEC 14's protections, as the import file names them
PROTECTION_COLUMNS = ("date_of_death", "responsible_party_name", "responsible_party_address", "bankruptcy_filed",
                      "bankruptcy_chapter", "bankruptcy_case", "household_income", "household_size")
ENCOUNTERS = FileSpec("encounters.csv", (
    _req("encounter_id", _EID), _req("practice_id", _PID), _req("guarantor_id", _GID),
    _opt("patient_name", text(length(Encounter, "patient_name"))), _req("dos", iso_date, EVENT),
    _opt("case_id", text(length(Encounter, "case_id"))),
    _opt("statement_profile", text(length(Encounter, "statement_profile"))),
    _opt("dunning_count", count), _opt("statements_sent", count),
    _opt("insurance_status", one_of(INSURANCE_STATUSES)),
))
# practice_id is an addition to SPEC section 11 for the three files that otherwise name no
# practice: it is needed only when the same encounter or guarantor id exists in two practices.
SERVICE_LINES = FileSpec("service_lines.csv", (
    _req("line_id", _LID), _req("encounter_id", _EID), _opt("practice_id", _PID),
    _opt("dos", iso_date, EVENT), _opt("procedure_code", text(length(ServiceLine, "procedure_code"))),
    _req("amount", amount), _req("posted_date", iso_date, EVENT),
    _req("responsibility", one_of(RESPONSIBILITIES)), _opt("responsibility_date", iso_date, EVENT),
    _opt("billing_group", text(length(ServiceLine, "billing_group"))),
))
TRANSACTIONS = FileSpec("transactions.csv", (
    _req("transaction_id", text(length(LedgerTxn, "source_id"))), _req("guarantor_id", _GID),
    _opt("practice_id", _PID), _opt("line_id", _LID), _req("date", iso_date, EVENT),
    _req("kind", one_of(IMPORT_TXN_KINDS)), _opt("source", one_of(IMPORT_TXN_SOURCES)),
    _req("amount", amount), _opt("adjustment_code", text(length(LedgerTxn, "adjustment_code"))),
))
STATEMENTS = FileSpec("statements.csv", (
    _req("statement_id", text(length(Statement, "source_id"))), _req("guarantor_id", _GID),
    _opt("practice_id", _PID), _opt("encounter_id", _EID), _req("date", iso_date, EVENT),
    _opt("dunning_level", count),
))

# Dependency order: every file refers only to files before it.
FILES: tuple[FileSpec, ...] = (PRACTICES, GUARANTORS, ENCOUNTERS, SERVICE_LINES, TRANSACTIONS, STATEMENTS)
