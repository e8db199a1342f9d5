"""What the screens are handed to reach the core: a unit-of-work factory, the operator, the date.

The entry point (tui/app.py `run_app`) builds this after the first paint, so the database layer
is never imported before the screen shows. Screens call core functions with `services.uow()`;
they never import db/ or write SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real imports pull in the ORM, which must wait for the first paint
    from core.accounts import PracticeRow
    from core.security import Actor

UowFactory = Callable[..., AbstractContextManager[Any]]   # uow(write=False, rehearsal=False) -> context manager


@dataclass
class Services:
    uow: UowFactory
    actor: Actor
    as_of: dt.date
    practices: list[PracticeRow] = field(default_factory=list)
    where: str = ""          # the database, as shown to the operator (no password)
