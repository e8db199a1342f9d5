"""A generated practice with encounters in every list state at many ages, through the real use cases.

36 encounters charged on spread dates (some became the guarantor's later), dunning 0-6 and 0-7
statements; lists built at three business dates, Send to Collections at three, Send to Sent to
Agency at one, then payments (one pays an encounter to zero: it stays on the list with no open
balance) and one Remove. Deterministic: the same figures every run, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factories as f

from core import precollections as pc
from core.exchange import agency_files
from core.precollections.criteria import Criteria, TaskFilter
from core.security import Actor

AS_OF = dt.date(2026, 11, 23)
BOSS = Actor("boss", "support")


def day(back: int) -> dt.date:
    return AS_OF - dt.timedelta(days=back)


def generate(uow: Callable[..., Any], out: Path, source_id: str = "P1") -> int:
    """Build the practice; returns its id."""
    with uow() as u:
        p = f.practice(u, source_id=source_id, name="Dash Clinic")
        pid = int(p.id)  # type: ignore[arg-type]
        for i in range(36):
            if i % 2 == 0:
                g = f.guarantor(u, p, f"{source_id}G{i // 2}")
            posted = day(i * 9 + 5)
            later = posted + dt.timedelta(days=20) if i % 5 == 0 else None
            f.encounter(u, p, g, [10000 + i * 137, 2500 + i * 11], source_id=f"{source_id}E{i}", posted=posted,
                        responsibility_date=later, dunning=i % 7, statements_sent=(i * 3) % 8)
        u.commit()
    with uow() as u:
        agency_files.save_agency(u, BOSS, pid, "AG", day(200), name="Agency")
    _build(uow, pid, day(140), Criteria(dunning_min=5))
    _send(uow, pid, day(100), TaskFilter(states=("pre",), dunning_min=6))
    _build(uow, pid, day(75), Criteria(dunning_min=3))
    _send(uow, pid, day(50), TaskFilter(states=("pre",), dunning_min=4))
    with uow() as u:
        pc.set_action(u, BOSS, pid, "send-to-agency", day(35), filt=TaskFilter(states=("not_sent",), statements_min=4))
    with uow() as u:
        pc.apply(u, BOSS, pid, day(35), agency="AG", out_dir=out, confirmed=True)
    _build(uow, pid, day(20), Criteria())
    _send(uow, pid, day(3), TaskFilter(states=("pre",), dunning_min=2, dunning_max=2, statements_min=3))
    with uow() as u:
        encs = {e.source_id: e for e in _encounters(u, pid)}
        for n, cents in ((f"{source_id}E0", None), (f"{source_id}E7", 3000), (f"{source_id}E14", 700)):
            e = encs[n]
            f.pay(u, e, e.ar_cents if cents is None else cents, day(1))
        u.commit()
    with uow() as u:
        task = pc.explain(u, BOSS, pid, f"{source_id}E8", AS_OF).task
    with uow() as u:
        pc.set_action(u, BOSS, pid, "remove", day(1), tasks=[task])
    with uow() as u:
        pc.apply(u, BOSS, pid, day(1), confirmed=True)
    return pid


def _encounters(u: Any, pid: int) -> list[Any]:
    from sqlmodel import select

    from core.models.ledger import Encounter
    return list(u.session.exec(select(Encounter).where(Encounter.practice_id == pid)))


def _build(uow: Callable[..., Any], pid: int, when: dt.date, criteria: Criteria) -> None:
    with uow() as u:
        pc.add_tasks(u, BOSS, pid, criteria, when)


def _send(uow: Callable[..., Any], pid: int, when: dt.date, filt: TaskFilter) -> None:
    with uow() as u:
        pc.set_action(u, BOSS, pid, "send-to-collections", when, filt=filt)
    with uow() as u:
        pc.apply(u, BOSS, pid, when, confirmed=True)
