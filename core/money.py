"""Money as integer cents.

This is the only module that knows amounts have decimals. Everything inside Recoup adds and
compares integer cents; text becomes cents here on the way in and cents become text here on the
way out. Floats never appear: a float cannot hold 0.10 exactly, and a collections ledger that is
off by a cent is wrong.
"""

from __future__ import annotations

import re

from core.errors import BadInput

__all__ = [
    "MAX_CENTS",
    "AmountError",
    "format_display",
    "format_percent",
    "format_plain",
    "parse",
    "parse_optional",
    "parse_percent",
]


class AmountError(ValueError):
    """The text is not an amount Recoup can read without guessing."""


# The largest amount Recoup reads, either way of zero: far above any medical bill, and far below
# what the database's 64-bit integers hold even when a million of them are added up.
MAX_CENTS = 99_999_999_999
OUT_OF_RANGE = "must be an amount from -999,999,999.99 to 999,999,999.99"

# Optional sign before or after an optional "$", then either plain digits or digits grouped by
# commas in threes, then an optional fraction of one or two digits.
_AMOUNT = re.compile(
    r"""^(?P<sign1>-)?\$?(?P<sign2>-)?
        (?P<whole>\d{1,3}(?:,\d{3})+|\d+)?
        (?:\.(?P<frac>\d{1,2}))?$""",
    re.VERBOSE,
)
_PLAIN = re.compile(r"\d{1,9}\.\d\d")


def parse(text: str) -> int:
    """Read an amount such as "1,234.56", "-5.00" or "$12" as cents.

    Refused, because a reader could take them two ways: a comma as the decimal mark ("12,50"),
    commas not in groups of three ("1,23,456"), more than two decimals ("1.005"), two signs,
    exponents, and anything empty; and amounts beyond MAX_CENTS, which no bill reaches.
    """
    if not isinstance(text, str):
        raise AmountError(f"not an amount: {text!r}")
    if _PLAIN.fullmatch(text):  # "1234.56", as machines write amounts: the same cents, read faster
        return int(text[:-3]) * 100 + int(text[-2:])
    raw = text.strip()
    if not raw:
        raise AmountError("an amount is required")
    match = _AMOUNT.match(raw)
    if match is None or (match["whole"] is None and match["frac"] is None):
        raise AmountError(f"not an amount: {raw!r} (write it like 1,234.56)")
    if match["sign1"] and match["sign2"]:
        raise AmountError(f"not an amount: {raw!r} (two minus signs)")
    whole = (match["whole"] or "0").replace(",", "").lstrip("0")
    if len(whole) > 9:
        raise AmountError(OUT_OF_RANGE)
    frac = (match["frac"] or "").ljust(2, "0")
    cents = int(whole or "0") * 100 + int(frac or "0")
    return -cents if (match["sign1"] or match["sign2"]) else cents


def parse_optional(text: str | None) -> int | None:
    """Like parse, but blank means "not given"."""
    if text is None or not text.strip():
        return None
    return parse(text)


def format_plain(cents: int) -> str:
    """Cents as a plain decimal string, "1234.56" / "-5.00": for JSON, CSV and spreadsheets."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_display(cents: int, symbol: bool = False) -> str:
    """Cents for people: "1,234.56", or "$1,234.56" with symbol; credits keep their minus."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{'$' if symbol else ''}{whole:,}.{frac:02d}"


# A percent with at most two decimals and an optional "%" ("10", "12.5", "33.33 %"), never a float.
_PERCENT = re.compile(r"^(?P<whole>\d{1,3})?(?:\.(?P<frac>\d{1,2}))?\s*%?$")


def parse_percent(text: str, field: str = "percent", *, allow_zero: bool = False) -> int:
    """A percent as basis points ("12.5" -> 1250), exact. One parser and one message style for every
    percent field (agency fees, payment exclusions, the roster's collection fee): the message
    starts with the field's name as the operator typed it (fee-pct, exclude-pct)."""
    shown = field.replace("_", "-")
    m = _PERCENT.match(text.strip())
    if m is None or (m["whole"] is None and m["frac"] is None):
        raise BadInput(f"{shown}: {text!r} is not a percentage like 10 or 12.5", field=field)
    bp = int(m["whole"] or "0") * 100 + int((m["frac"] or "").ljust(2, "0") or "0")
    if bp > 10000 or bp < 0 or (bp == 0 and not allow_zero):
        limits = "a percentage from 0 to 100" if allow_zero else "a percentage more than 0 and at most 100"
        raise BadInput(f"{shown}: must be {limits}", field=field)
    return bp


def format_percent(bp: int | None) -> str | None:
    """Basis points as the shortest percent text ("12.5"), the way parse_percent reads it back."""
    if bp is None:
        return None
    whole, frac = divmod(bp, 100)
    return f"{whole}" if not frac else f"{whole}.{frac:02d}".rstrip("0")
