"""The business date.

Rules never read a clock: each use case is given the "as of" date. Only the edges (the command
line, the screens, the worker) turn "today" into a business date, through this one function.
"""

from __future__ import annotations

import datetime as dt

from core.errors import BadInput


def parse_business_date(text: str | None, today: dt.date) -> dt.date:
    """The business date from --as-of text, or today when none was given."""
    if text is None or not text.strip():
        return today
    return parse_date(text, "as-of")


def parse_date(text: str, field: str) -> dt.date:
    """An ISO date (YYYY-MM-DD) or a clear complaint naming the field."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{field}: not a date: {text.strip()!r} (use YYYY-MM-DD)", field=field) from None
