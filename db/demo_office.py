"""`recoup demo --size office`: a billing office's practices, ready for the nightly across workers.

Twenty practices (issue 20 item 7) sharing `encounters` between them (2,000,000 by default),
generated set-based exactly as the demo practices are (db.demo_practice: a dozen INSERT ...
SELECT statements per practice, whatever its size), each one in the shape of one of the three
demo practices in turn (family medicine, orthopedics, occupational medicine), salted by its own
number so no two are alike. Each is set up for the nightly through the real use cases: the demo's
agencies (one approving and filing automatically), exclusions and rules, the roster's status table
and settings with automatic populate. Nothing has run yet: the first nightly (`recoup worker` or
`recoup nightly` for the business date) does all of it, which is what bench/workers.py measures.

Smaller offices (fewer encounters, fewer practices) build the same way, for the tests and for
measuring on a small machine; the build records its shape, and running it again with the same
shape opens the existing office.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections import Counter

from sqlalchemy import Engine, text

from core import audit, external, roster, security
from core.errors import BadInput, Conflict
from core.exchange import agency_files
from core.security import Actor
from core.uow import UnitOfWork
from db import demo, demo_external, demo_roster
from db import demo_words as w
from db.demo_sql import Sql
from db.uow import SqlUnitOfWork

PRACTICES = 20
ENCOUNTERS = 2_000_000
MAX_ENCOUNTERS = 20_000_000    # 9,999,999 a practice at most (seven-digit encounter numbers)
ACTION = "demo.office"
PREFIX = "OFFICE-"


def profiles(practices: int) -> list[w.Profile]:
    """The office's practices: the demo's three shapes in turn, each with its own number (salt)."""
    out = []
    for n in range(1, practices + 1):
        base = w.PRACTICES[(n - 1) % len(w.PRACTICES)]
        out.append(dataclasses.replace(base, number=n, source_id=f"{PREFIX}{n:02d}",
                                       name=f"{base.name.split(' ', 1)[1]} {n:02d}", share=100 // practices))
    return out


def build_office(engine: Engine, login: str, as_of: dt.date, encounters: int = ENCOUNTERS,
                 practices: int = PRACTICES, seed: int = 7) -> str:
    """Build the office (or find it there with the same shape); returns a short report."""
    if not 1 <= practices <= 99:
        raise BadInput("practices: must be a whole number from 1 to 99", field="practices")
    if not practices * 10 <= encounters <= MAX_ENCOUNTERS:
        raise BadInput(f"encounters: must be a whole number from {practices * 10} to {MAX_ENCOUNTERS:,}",
                       field="encounters")
    shape = {"encounters": encounters, "practices": practices, "seed": seed}
    started = time.perf_counter()
    with SqlUnitOfWork(engine) as uow:
        uow.lock(ACTION)
        existing = _existing(uow)
        if existing is not None:
            if {k: existing.get(k) for k in shape} != shape:
                raise Conflict(f"this database already holds an office demo of {existing.get('encounters'):,} "
                               f"encounters in {existing.get('practices')} practices; give another shape a "
                               "database of its own (--db)")
            return "The office demo is already in this database; opening it."
        actor = security.bootstrap_admin(uow, login)
        security.require(actor, "admin", "build the office demo")
        counts = _build(uow, actor, as_of, encounters, profiles(practices), seed)
        demo._analyze(uow)
        audit.record(uow, actor.name, ACTION, "practice", [f"{PREFIX}01"], None, {**shape, **counts},
                     business_date=as_of)
        uow.commit()
    _set_up(engine, actor, as_of)
    demo._checkpoint(engine)
    seconds = time.perf_counter() - started
    return (f"Built the office demo (seed {seed}) in {seconds:.1f} s: {counts['practices']} practices, "
            f"{counts['guarantors']:,} guarantors, {counts['encounters']:,} encounters, {counts['lines']:,} "
            f"service lines, {counts['transactions']:,} transactions; nothing has run yet: the nightly of "
            f"{as_of.isoformat()} is due (recoup worker --as-of {as_of.isoformat()}).")


def _existing(uow: UnitOfWork) -> dict[str, int] | None:
    row = uow.session.execute(text("SELECT after FROM audit_entry WHERE action = :a ORDER BY id DESC LIMIT 1"),
                              {"a": ACTION}).first()
    return json.loads(row[0]) if row is not None and row[0] else None


def _build(uow: UnitOfWork, actor: Actor, as_of: dt.date, encounters: int, office: list[w.Profile],
           seed: int) -> dict[str, int]:
    sql = Sql(uow.dialect, seed, as_of)
    demo._lock_id_tables(uow)
    counts: Counter[str] = Counter(operators=demo._add_operators(uow, actor))
    each = encounters // len(office)
    with demo._bulk_load(uow):
        for i, profile in enumerate(office):
            n = each if i < len(office) - 1 else encounters - each * (len(office) - 1)
            counts.update(demo.build_practice(uow, sql, actor, as_of, profile, n))
    demo._advance_sequences(uow)
    return dict(counts)


def _call(engine: Engine, fn: object, *args: object, **kw: object) -> object:
    with SqlUnitOfWork(engine) as u:
        return fn(u, *args, **kw)  # type: ignore[operator]


def _set_up(engine: Engine, actor: Actor, as_of: dt.date) -> None:
    """Each practice as the demo practices are set up, but nothing run: agencies, rules, roster."""
    with SqlUnitOfWork(engine, write=False) as u:
        ids = [int(r[0]) for r in u.session.execute(
            text("SELECT id FROM practice WHERE source_id LIKE :p ORDER BY id"), {"p": f"{PREFIX}%"})]
    for pid in ids:
        for code, name, balance, age, approve, auto_file, fee in demo_external.AGENCIES:
            _call(engine, agency_files.save_agency, actor, pid, code, as_of, name=name,
                  contact="placements@example.com", baa_signed=as_of - dt.timedelta(days=365), fee_bp=fee)
            _call(engine, external.add_assignment, actor, pid,
                  external.Assignment(code, balance, age, approve, auto_file), as_of)
        _call(engine, external.update_rules, actor, pid, as_of, demo_external.RULES)
        with SqlUnitOfWork(engine) as u:
            roster.ensure_defaults(u, pid)
            u.commit()
        _call(engine, roster.update_settings, actor, pid, demo_roster.SETTINGS)
        _call(engine, roster.set_letter_template, actor, pid, "Account Notice", demo_roster.ADDRESS_LETTER)
