"""What a use case is handed: one database transaction it can commit, or not.

The core never opens connections; the db package implements this protocol. A use case does its
reads and writes through `session`, calls `commit()` once at the end, and anything not committed
is rolled back when the unit of work closes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from sqlmodel import Session


class UnitOfWork(Protocol):
    session: Session
    dialect: str  # "sqlite" or "postgresql": a few set-based statements differ

    def commit(self) -> None: ...

    def before_commit(self, step: Callable[[], None]) -> None:
        """Run `step` inside the transaction as the last thing before every commit (the audit
        chain is written there, so its lock is held only until the commit just after)."""

    def after_commit(self, step: Callable[[], None]) -> None:
        """Run `step` just after every real commit (never for a rehearsal, which commits nothing):
        work outside the database that must follow what was committed (an audit anchor file)."""

    def lock(self, key: str) -> None:
        """Hold a named lock until the end of this transaction (serialises the audit chain, runs)."""

    def now(self) -> dt.datetime:
        """The wall clock, for recording when something happened (never for business rules)."""
