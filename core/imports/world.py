"""The records an import can refer to: the database's plus the import's own, by source id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core.imports.reader import Problems
from core.imports.snapshot import Key


@dataclass(slots=True)
class EncounterFacts:
    guarantor: Key
    dos: dt.date
    case_id: str | None


@dataclass
class World:
    """The records that will exist after the import, indexed by source id."""
    practices: set[str] = field(default_factory=set)
    guarantors: set[Key] = field(default_factory=set)
    encounters: dict[Key, EncounterFacts] = field(default_factory=dict)
    lines: dict[Key, Key] = field(default_factory=dict)  # line -> its guarantor
    by_sid: dict[str, dict[str, set[str]]] = field(default_factory=lambda: {"guarantor": {}, "encounter": {}})

    def index(self, kind: str, key: Key) -> None:
        self.by_sid[kind].setdefault(key[1], set()).add(key[0])

    def locate(self, kind: str, sid: str, practice: str | None, file: str) -> str:
        """The practice of the `kind` record `sid`, or ValueError saying why there is none."""
        found = self.by_sid[kind].get(sid, set())
        if practice is not None and practice in found:
            return practice
        if practice is not None and found:
            raise ValueError(f"{kind} {sid!r} is not in practice {practice!r} "
                             f"(it is in {', '.join(sorted(found))})")
        if not found:
            where = f" in practice {practice!r}" if practice else ""
            raise ValueError(f"unknown {kind} {sid!r}{where} (not in {kind}s.csv nor in the database)")
        if len(found) > 1:
            raise ValueError(f"{kind} {sid!r} exists in several practices ({', '.join(sorted(found))}); "
                             f"add a practice_id column to {file} to say which")
        return next(iter(found))


class Seen:
    """Duplicate ids within one file: the second row names the line of the first."""

    def __init__(self, file: str, problems: Problems) -> None:
        self.file, self.problems = file, problems
        self.first: dict[Any, int] = {}  # key -> the line it was first seen on

    def duplicate(self, key: Any, line: int, what: str) -> bool:
        if key in self.first:
            where = f" in practice {key[0]!r}" if isinstance(key, tuple) else ""
            sid = key[1] if isinstance(key, tuple) else key
            self.problems.add(self.file, line, f"{what} {sid!r}{where} appears twice in the file "
                                               f"(first on line {self.first[key]})")
            return True
        self.first[key] = line
        return False
