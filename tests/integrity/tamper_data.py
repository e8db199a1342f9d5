"""A small ledger with Pre-Collections history and a second operator, built through the use cases
(so every row is covered by the keyed audit chain), for the tamper suite on both databases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from core import precollections as pc
from core import security
from core.precollections.criteria import Criteria
from core.security import Actor
from tests import factories as f
from tests.conftest import TODAY
from tests.integrity.tamper import drop_append_only_triggers


@dataclass
class Seeded:
    practice_id: int
    line_id: int          # a guarantor line with an open balance
    line_cents: int


def seed(uow: Callable[..., Any], admin: Actor) -> Seeded:
    """Four encounters of 44.65 + 10.00 on the list, and a collector `cora`."""
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        for i in range(1, 5):
            f.encounter(u, p, g, [4465, 1000], source_id=f"E{i}", dunning=1)
        u.commit()
    with uow() as u:
        pc.add_tasks(u, admin, int(p.id or 0), Criteria(dunning_min=1), TODAY)
    with uow() as u:
        security.add_user(u, admin, "cora", "collector")
    with uow(write=False) as u:
        line_id, cents = u.session.execute(text(
            "SELECT id, ar_cents FROM service_line WHERE amount_cents = 4465 ORDER BY id LIMIT 1")).one()
    return Seeded(int(p.id or 0), int(line_id), int(cents))


def as_dba(engine: Engine, *statements: str, drop: bool = True, **params: Any) -> None:
    """Run statements in one transaction, past the append-only triggers when `drop` (as a DBA)."""
    with engine.begin() as conn:
        if drop:
            drop_append_only_triggers(conn)
        for sql in statements:
            conn.execute(text(sql), params)


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def forge_payment(conn: Connection, s: Seeded, journal_id: int) -> None:
    """A payment wiping out the line's balance in `journal_id`, with every cache adjusted to match."""
    conn.execute(text(
        "INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source, bucket_from, "
        "bucket_to, amount_cents) SELECT practice_id, :j, guarantor_id, id, :d, 'payment', 'patient', 'ar', 'paid', "
        ":c FROM service_line WHERE id = :l"), {"j": journal_id, "d": TODAY, "c": s.line_cents, "l": s.line_id})
    conn.execute(text("UPDATE service_line SET ar_cents = ar_cents - :c WHERE id = :l"),
                 {"c": s.line_cents, "l": s.line_id})
    conn.execute(text("UPDATE encounter SET ar_cents = ar_cents - :c WHERE id = "
                      "(SELECT encounter_id FROM service_line WHERE id = :l)"), {"c": s.line_cents, "l": s.line_id})
    conn.execute(text("UPDATE guarantor SET ar_cents = ar_cents - :c WHERE id = "
                      "(SELECT guarantor_id FROM service_line WHERE id = :l)"), {"c": s.line_cents, "l": s.line_id})


def open_forged_journal(conn: Connection, s: Seeded) -> int:
    return int(conn.execute(text(
        "INSERT INTO journal (practice_id, kind, operator, business_date, created_at, txn_count, total_cents) "
        "VALUES (:p, 'import', 'mallory', :d, :at, 0, 0) RETURNING id"),
        {"p": s.practice_id, "d": TODAY, "at": "2026-11-23 10:00:00"}).scalar_one())
