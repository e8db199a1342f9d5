"""What an import did: rows per file and the money it posted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.money import format_plain


@dataclass
class FileCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}

    @property
    def rows(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class Money:
    """Cents posted by one import, by what they were for (reversals are negative)."""
    charges: int = 0
    charge_corrections: int = 0
    payments: int = 0
    adjustments: int = 0
    reversals: int = 0
    txns: int = 0


@dataclass
class ImportResult:
    files: dict[str, FileCounts] = field(default_factory=dict)
    money: Money = field(default_factory=Money)
    journal_id: int | None = None
    # files not read: the same bytes as their last import, the tables as it left them
    skipped: list[str] = field(default_factory=list)

    @property
    def message(self) -> str | None:
        """What an operator is told about the files that were not read again, if any."""
        if not self.skipped:
            return None
        if len(self.skipped) == len(self.files):
            return ("nothing to import: every file is unchanged since its last import "
                    f"({', '.join(self.skipped)}); none was read again and nothing was written")
        return f"unchanged since their last import, not read again: {', '.join(self.skipped)}"

    def as_dict(self) -> dict[str, Any]:
        m = self.money
        return {
            "files": {name: counts.as_dict() for name, counts in self.files.items()},
            "unchanged_files": list(self.skipped),
            "journal_id": self.journal_id,
            "transactions_posted": m.txns,
            "charges": format_plain(m.charges),
            "charge_corrections": format_plain(m.charge_corrections),
            "payments": format_plain(m.payments),
            "adjustments": format_plain(m.adjustments),
            "reversals": format_plain(m.reversals),
        }
