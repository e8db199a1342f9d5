"""Shared set-up for the external collections tests: agencies, rules, runs, and what they left.

Data goes through the real use cases (core.external) and the real ledger (tests.factories), so
what the tests see is what production code produces.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import text

from core import external, money
from core.exchange import agency_files
from core.models.ledger import Encounter, Practice
from core.security import Actor
from core.verify import verify
from tests import factories as f
from tests.conftest import TODAY


def days_ago(n: int, as_of: dt.date = TODAY) -> dt.date:
    return as_of - dt.timedelta(days=n)


def agency(uow: Any, admin: Actor, practice: Practice, agency_id: str, balance: str | None, age: int | None,
           approve: bool = False, file: bool = False) -> None:
    """A row of the assignment table (its own unit of work: use cases commit)."""
    with uow() as u:
        external.add_assignment(u, admin, practice.id, external.Assignment(  # type: ignore[arg-type]
            agency_id, money.parse_optional(balance), age, approve, file), TODAY)
    with uow() as u:  # an agreement on record, as a real agency has (SPEC 16's warning is tested on its own)
        agency_files.save_agency(u, admin, practice.id, agency_id, TODAY, baa_signed=TODAY)


def rules(uow: Any, admin: Actor, practice: Practice, **changes: Any) -> None:
    with uow() as u:
        external.update_rules(u, admin, practice.id, TODAY, changes)  # type: ignore[arg-type]


def line_aged(u: Any, practice: Practice, guarantor: Any, age: int, amount: str = "100.00",
              as_of: dt.date = TODAY, **kw: Any) -> Encounter:
    """An encounter with one guarantor line of `amount`, posted `age` days before as_of."""
    return f.encounter(u, practice, guarantor, [money.parse(amount)], posted=days_ago(age, as_of), **kw)


def run(uow: Any, admin: Actor, practice: Practice, as_of: dt.date, out: Path) -> external.RunResult:
    with uow() as u:
        return external.run(u, admin, practice.id, as_of, out)  # type: ignore[arg-type]


def placements(uow: Any) -> dict[str, tuple[str, str | None, bool]]:
    """line source id -> (state, agency source id, returned mail)."""
    with uow(write=False) as u:
        rows = u.session.execute(text(
            "SELECT l.source_id, x.state, a.source_id, x.returned_mail FROM external_placement x "
            "JOIN service_line l ON l.id = x.line_id LEFT JOIN agency a ON a.id = x.agency_id")).all()
    return {r[0]: (r[1], r[2], bool(r[3])) for r in rows}


def line_balances(uow: Any, source_id: str) -> tuple[int, int]:
    with uow(write=False) as u:
        ar, coll = u.session.execute(text("SELECT ar_cents, collections_cents FROM service_line WHERE source_id = :s"),
                                     {"s": source_id}).one()
    return int(ar), int(coll)


def snapshot(uow: Any) -> dict[str, Any]:
    """Everything a rerun must not change (run records aside)."""
    with uow(write=False) as u:
        s = u.session
        return {
            "txns": s.execute(text("SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM ledger_txn")).one(),
            "placements": sorted(s.execute(text(
                "SELECT line_id, state, agency_id, file_id, batch_no, version FROM external_placement")).all()),
            "history": s.execute(text("SELECT COUNT(*) FROM external_history")).scalar_one(),
            "files": s.execute(text("SELECT COUNT(*) FROM agency_file")).scalar_one(),
        }


def assert_verified(uow: Any) -> None:
    with uow(write=False) as u:
        problems = [p for c in verify(u) for p in c.problems]
    assert problems == []
