"""What an import will write: the checked rows of each file, keyed by source ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core.imports.columns import FILES
from core.imports.snapshot import Key


@dataclass(slots=True)
class Item:
    """One row to insert or update: its key, its line, its values and the rows it points to."""
    key: Any
    line: int
    row: dict[str, Any]
    refs: dict[str, Any]  # id column -> key of the row it points to (an id once that row is written)
    existing: dict[str, Any] | None


@dataclass
class TableItems:
    file: str
    items: list[Item]
    update: tuple[str, ...]  # the columns an existing row takes from the file
    changeable_refs: tuple[str, ...] = ()


@dataclass(slots=True)
class TxnItem:
    """One payment or adjustment as it should stand after the import."""
    key: Key
    line: int
    guarantor: Key
    service_line: Key | None
    kind: str
    source: str
    amount_cents: int
    date: dt.date
    adjustment_code: str | None
    existing: dict[str, Any] | None


@dataclass
class Plan:
    tables: dict[str, TableItems] = field(default_factory=dict)  # entity -> rows, in write order
    txns: tuple[str, list[TxnItem]] | None = None  # (file name, items)

    @property
    def files(self) -> list[str]:
        """The files of this import, in the order of SPEC section 11."""
        names = {t.file for t in self.tables.values()} | ({self.txns[0]} if self.txns else set())
        return [spec.name for spec in FILES if spec.name in names]
