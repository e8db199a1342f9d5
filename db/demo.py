"""`recoup demo`: realistic demo practices at any size, deterministic from a seed.

Three practices (family medicine, orthopedics, occupational medicine with employer and TPA
guarantors) with patients, encounters of one to four service lines, insurance and guarantor
responsibility, full, partial and duplicate payments, unapplied payments (escrow), adjustments
with codes, write-offs, statements with dunning levels, and balances aged from days to six years.
Everything is generated inside the database by INSERT ... SELECT (see db.demo_practice), so the
large size (1,000,000 encounters) takes minutes, not hours, and the Python process stays small.

Running it again: if the demo practices are already in the database with the same size and seed,
nothing is written and the report says the existing demo is opened. A different size or seed is
refused (a conflict) rather than silently dropping data other work may refer to; the message says
how to build it into another database with --db.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import col, select

from core import audit, ledger, security
from core.errors import BadInput, Conflict
from core.models.audit import AuditEntry
from core.models.ledger import Journal, Practice
from core.models.security import Operator
from core.security import Actor
from core.uow import UnitOfWork
from db import demo_compliance, demo_exchange, demo_external, demo_holds, demo_precollections, demo_roster
from db import demo_words as w
from db.demo_practice import PracticeBuild, Shape
from db.demo_sql import Sql
from db.uow import SqlUnitOfWork

SIZES = {"small": 360, "medium": 50_000, "large": 1_000_000}
DEMO_OPERATORS = (("collector1", "collector"), ("super1", "supervisor"), ("viewer1", "viewer"))
ACTION = "demo.build"
SQLITE_BUILD_CACHE_KIB = 131_072     # 128 MiB page cache while loading; the default afterwards
SQLITE_DEFAULT_CACHE_KIB = 2_000
ID_TABLES = ("guarantor", "encounter", "service_line")
BULK_TABLES = (*ID_TABLES, "ledger_txn", "statement")   # the tables PracticeBuild fills


def build_demo(engine: Engine, login: str, as_of: dt.date, size: str = "small", seed: int = 7, *,
               folder: Path) -> str:
    """Build the demo practices (or find them already there); returns a short report.

    `folder` is where the demo's files go (agency spreadsheets and files, the agency's returns,
    ECA notices): the folder real files go to, chosen by the caller (the command line passes the
    agency-files folder), never a temporary one the demo database would keep pointing at."""
    if size not in SIZES:
        raise BadInput(f"size: {size!r} is not a demo size (one of: {', '.join(SIZES)})", field="size")
    started = time.perf_counter()
    with SqlUnitOfWork(engine) as uow:
        uow.lock(ACTION)
        existing = existing_demo(uow)
        if existing is not None:
            return _already_there(existing, size, seed)
        actor = security.bootstrap_admin(uow, login)
        security.require(actor, "admin", "build the demo practices")
        counts = _build(uow, actor, as_of, size, seed)
        _analyze(uow)
        audit.record(uow, actor.name, ACTION, "practice", [p.source_id for p in w.PRACTICES], None,
                     {"size": size, "seed": seed, **counts}, business_date=as_of)
        uow.commit()
    demo_holds.build(engine, actor, as_of)           # holds, protected guarantors, insurance still open
    demo_precollections.build(engine, actor, as_of, folder)  # the Pre-Collections workflow, under way
    demo_roster.build(engine, actor, as_of)          # the patient collections roster, under way
    demo_external.build(engine, actor, as_of, folder)  # external collection agencies, under way
    waiting = demo_exchange.build(engine, actor, as_of, folder)  # acks, a recall, a sync; returns waiting
    demo_compliance.build(engine, actor, as_of, folder)  # a non-profit hospital under 501(r), at every stage
    _checkpoint(engine)
    report = _report(size, seed, counts, round((time.perf_counter() - started) * 1000))
    return report + (f"\nAn agency returns file waits to be imported (External Collections > Files, i): {waiting}"
                     if waiting else "")


def existing_demo(uow: UnitOfWork) -> dict[str, object] | None:
    """The size and seed of the demo already in this database (from its audit entry), or None."""
    ids = [p.source_id for p in w.PRACTICES]
    if uow.session.exec(select(Practice.id).where(col(Practice.source_id).in_(ids))).first() is None:
        return None
    entry = uow.session.exec(select(AuditEntry).where(AuditEntry.action == ACTION)
                             .order_by(col(AuditEntry.id).desc()).limit(1)).first()
    return json.loads(entry.after) if entry and entry.after else {}


def _already_there(existing: dict[str, object], size: str, seed: int) -> str:
    have_size, have_seed = existing.get("size"), existing.get("seed")
    if have_size in (None, size) and have_seed in (None, seed):
        return f"The demo practices ({have_size or 'unknown'} size) are already in this database; opening them."
    raise Conflict(f"this database already holds the {have_size} demo (seed {have_seed}); "
                   f"to build the {size} demo, give it a database of its own, "
                   f"e.g. recoup demo --size {size} --db ~/recoup-{size}.db")


def _build(uow: UnitOfWork, actor: Actor, as_of: dt.date, size: str, seed: int) -> dict[str, int]:
    sql = Sql(uow.dialect, seed, as_of)
    _lock_id_tables(uow)
    counts: Counter[str] = Counter(operators=_add_operators(uow, actor))
    with _bulk_load(uow):
        for profile, encounters in _split(SIZES[size]):
            counts.update(build_practice(uow, sql, actor, as_of, profile, encounters))
    _advance_sequences(uow)
    return dict(counts)


def build_practice(uow: UnitOfWork, sql: Sql, actor: Actor, as_of: dt.date, profile: w.Profile,
                   encounters: int) -> Counter[str]:
    """One practice of the profile, its data charged through a journal of its own (the demo and
    the office demo build each practice the same way)."""
    practice = Practice(source_id=profile.source_id, name=profile.name,
                        employer_collections=profile.employer_collections,
                        aging_basis=profile.aging_basis, write_off_code=profile.write_off_code)
    uow.session.add(practice)
    uow.session.flush()
    assert practice.id is not None
    journal = ledger.open_journal(uow, "demo", actor.name, as_of, practice.id)
    assert journal.id is not None
    counts = Counter(PracticeBuild(uow, sql, profile, practice.id, journal.id, Shape.of(profile, encounters)).run())
    _close_journal(uow, journal)
    counts["practices"] += 1
    return counts


def _split(total: int) -> list[tuple[w.Profile, int]]:
    """Each practice's share of the encounters; the last one takes the rounding remainder."""
    shares = [(p, total * p.share // 100) for p in w.PRACTICES]
    last, _n = shares[-1]
    shares[-1] = (last, total - sum(n for _, n in shares[:-1]))
    return shares


def _close_journal(uow: UnitOfWork, journal: Journal) -> None:
    """Control totals of a journal whose transactions were inserted set-based.

    The balance caches were written with the rows from the same staged amounts, so the
    correlated refresh of ledger.close_journal (minutes at this size) is not needed; verify
    proves the caches right.
    """
    count, total = uow.session.execute(
        text("SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM ledger_txn WHERE journal_id = :j"),
        {"j": journal.id}).one()
    journal.txn_count, journal.total_cents = int(count), int(total)
    uow.session.add(journal)
    uow.session.flush()


def _add_operators(uow: UnitOfWork, actor: Actor) -> int:
    """A collector, a supervisor and a viewer, so role-based screens can be tried at once."""
    added = 0
    for name, role in DEMO_OPERATORS:
        if uow.session.exec(select(Operator.id).where(Operator.name == name)).first() is not None:
            continue
        uow.session.add(Operator(name=name, role=role, created_at=uow.now(), created_by=actor.name))
        security.role_changed(uow, actor.name, "users.add", name, role, True, None, None)
        added += 1
    return added


def _lock_id_tables(uow: UnitOfWork) -> None:
    """Ids are assigned above the current maximum, so nobody else may insert meanwhile.

    SQLite writers already hold the database lock (BEGIN IMMEDIATE); PostgreSQL needs a lock that
    blocks other writers of these tables (readers go on).
    """
    if uow.dialect == "postgresql":
        uow.session.execute(text(f"LOCK TABLE {', '.join(ID_TABLES)} IN SHARE ROW EXCLUSIVE MODE"))


def _advance_sequences(uow: UnitOfWork) -> None:
    """PostgreSQL: move each id sequence past the explicitly assigned ids."""
    if uow.dialect != "postgresql":
        return
    for table in ID_TABLES:
        uow.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


class _bulk_load:
    """Loading the bulk tables, undone afterwards.

    SQLite: a larger page cache (index inserts stay in memory). PostgreSQL: the bulk tables'
    foreign keys and their indexes other than the primary and unique keys dropped, then built
    again, all in the load's transaction. PostgreSQL checks a foreign key per inserted row with
    a query of its own (ledger_txn's four took two thirds of its insert time) and updates every
    index per row (its three plain indexes half of the rest); adding a key back checks every
    row in one join, and building an index sorts once. The definitions are read from the
    catalogue and re-made exactly as they were; if the load fails, the rollback brings them back.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.keys: list[tuple[str, str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def _set(self, kib: int) -> None:
        if self.uow.dialect == "sqlite":
            self.uow.session.execute(text(f"PRAGMA cache_size = -{kib}"))

    def _run(self, sql: str) -> None:
        self.uow.session.execute(text(sql))

    def __enter__(self) -> None:
        self._set(SQLITE_BUILD_CACHE_KIB)
        if self.uow.dialect != "postgresql":
            return
        tables = {"tables": list(BULK_TABLES)}
        self.keys = [(str(t), str(n), str(d)) for t, n, d in self.uow.session.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[])) ORDER BY conrelid, conname"),
            tables)]
        self.indexes = [(str(n), str(d)) for n, d in self.uow.session.execute(text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY i.indrelid, i.indexrelid"), tables)]
        for table, name, _definition in self.keys:
            self._run(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in self.indexes:
            self._run(f"DROP INDEX {name}")

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._set(SQLITE_DEFAULT_CACHE_KIB)
        if exc_type is None:
            for _name, definition in self.indexes:
                self._run(definition)
            for table, name, definition in self.keys:
                self._run(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _analyze(uow: UnitOfWork) -> None:
    """Fresh planner statistics, so the first lists over a large demo use their indexes."""
    if uow.dialect == "sqlite":
        uow.session.execute(text("PRAGMA analysis_limit = 1000"))
        uow.session.execute(text("ANALYZE"))
    else:
        for table in ("guarantor", "encounter", "service_line", "ledger_txn", "statement"):
            uow.session.execute(text(f"ANALYZE {table}"))


def _checkpoint(engine: Engine) -> None:
    """SQLite: fold the write-ahead log back into the database file and shrink it. PostgreSQL:
    planner statistics for every table the workflows filled after _analyze (autovacuum gets to
    them only later, or never where it is off): without them verify's and the first screens'
    queries over the workflow tables are planned for empty tables.

    A table with no rows is left unanalysed, as on a fresh install. Analysed empty, PostgreSQL
    believes it empty whenever it has no pages when a statement is planned, and plans a batch's
    "not held by another workflow" test against it as a nested loop over a scan of it: on the
    office demo, four workers began at once with roster_account and precollection_task analysed
    empty, the others' populates filled roster_account during one practice's external selection,
    and that statement rescanned the growing table for every line (over 6 minutes, against 3 s
    planned unanalysed, when PostgreSQL assumes a few pages and hashes the table once)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            tables = [str(t) for (t,) in conn.exec_driver_sql(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]
            for table in tables:
                if conn.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is not None:
                    conn.exec_driver_sql(f"ANALYZE {table}")
        return
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # autocommit (the engine issues BEGIN itself), so no open transaction
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    finally:
        raw.close()


def _report(size: str, seed: int, counts: dict[str, int], elapsed_ms: int) -> str:
    return (f"Built the {size} demo (seed {seed}) in {elapsed_ms / 1000:.1f} s: "
            f"{counts.get('practices', 0)} practices, {counts.get('guarantors', 0):,} guarantors, "
            f"{counts.get('encounters', 0):,} encounters, {counts.get('lines', 0):,} service lines, "
            f"{counts.get('transactions', 0):,} transactions, {counts.get('statements', 0):,} statements; "
            f"operators collector1 (collector), super1 (supervisor), viewer1 (viewer).")
