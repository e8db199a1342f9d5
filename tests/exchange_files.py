"""Exchange files as an agency would send them (docs/agency-exchange.md), written by hand here so
the tests do not read back what the code under test wrote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

RETURNS_COLUMNS = ("record", "line", "placement", "date", "amount", "fee", "reference")


def exchange_text(practice: str, agency: str, kind: str, columns: tuple[str, ...], rows: list[str],
                  amount: str = "amount", batch: int = 1, created: dt.date = dt.date(2026, 11, 23),
                  trailer: tuple[int, int] | None = None) -> str:
    """H, C, the D records (`rows`, comma-separated values) and T with the count and the cents of
    column `amount` unless `trailer` says otherwise."""
    at = columns.index(amount)
    cents = sum(int(Decimal(r.split(",")[at] or "0") * 100) for r in rows)
    count, total = trailer or (len(rows), cents)
    lines = [f"H,{practice},{agency},{batch},{kind},{created.isoformat()}", "C," + ",".join(columns),
             *(f"D,{r}" for r in rows), f"T,{count},{total}"]
    return "\n".join(lines) + "\n"


def write_returns(path: Path, rows: list[str], practice: str = "P1", agency: str = "AG", **kw: object) -> Path:
    path.write_text(exchange_text(practice, agency, "returns", RETURNS_COLUMNS, rows, **kw),  # type: ignore[arg-type]
                    encoding="utf-8")
    return path
