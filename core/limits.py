"""The ranges the whole numbers an operator types may take, and the one message that says so.

Without a range a number that is too big reaches the database (SQLite stores at most 2**63 - 1,
PostgreSQL's INTEGER 2**31 - 1) or the calendar (a million days before today is before year 1),
and the operator sees an OverflowError instead of a sentence. Every edge that reads a number (a
command-line flag, a form field, a core validator) checks it against one of these, so the same
number gets the same answer everywhere: "must be a whole number of days from 0 to 36500".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from core.errors import BadInput

__all__ = ["COUNT", "DAYS", "ENDING_WITHIN", "LIMIT", "NUMBER", "PAGE_AFTER", "PLAN_DAYS", "SETTING_DAYS", "Limit"]


@dataclass(frozen=True)
class Limit:
    low: int
    high: int
    unit: str = ""  # "days", "seconds": what the number counts, for the message

    def describe(self) -> str:
        of = f" of {self.unit}" if self.unit else ""
        return f"must be a whole number{of} from {self.low} to {self.high}"

    def check(self, value: int | None, field: str) -> int | None:
        """The value, or BadInput naming the field (ending_within shows as ending-within; each
        surface may name it its own way from BadInput.field and .reason)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            self.refuse(field)
        return value

    def refuse(self, field: str) -> NoReturn:
        raise BadInput(f"{field.replace('_', '-')}: {self.describe()}", field=field, reason=self.describe())

    def parse(self, text: str, field: str) -> int:
        """A number typed as text: digits only (an optional minus), then the range."""
        raw = text.strip()
        digits = raw[1:] if raw.startswith("-") else raw
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 30:
            self.refuse(field)
        value = int(raw)
        self.check(value, field)
        return value


DAYS = Limit(0, 36500, "days")            # ages, thresholds, days to remain: up to a hundred years
COUNT = Limit(0, 9999)                    # dunning messages, statements sent
NUMBER = Limit(1, 2_147_483_647)          # a task, line, hold, batch or version number (INTEGER ids)
PAGE_AFTER = Limit(0, 2_147_483_647)      # "numbered after N" for paging: 0 is before the first
LIMIT = Limit(1, 1_000_000)               # how many rows to show
SETTING_DAYS = Limit(0, 999, "days")      # the roster settings' day counts (three digits on the form)
PLAN_DAYS = Limit(1, 365, "days")         # a payment plan's interval
ENDING_WITHIN = Limit(0, 3650, "days")    # holds ending within the next ten years
