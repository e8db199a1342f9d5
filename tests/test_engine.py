"""The database layer: URLs as users write them, SQLite settings, writers that queue."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from db.engine import normalise_url, resolve_url
from db.uow import SqlUnitOfWork


def test_plain_postgres_url_means_psycopg3() -> None:
    assert normalise_url("postgresql://postgres@127.0.0.1:5432/test").startswith("postgresql+psycopg://")
    assert normalise_url("postgres://u:pw@h/db") == "postgresql+psycopg://u:pw@h/db"


def test_bare_path_means_sqlite(tmp_path) -> None:
    assert normalise_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


def test_environment_variable_is_used(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("RECOUP_DATABASE_URL", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")
    monkeypatch.delenv("RECOUP_DATABASE_URL")
    assert resolve_url(None).endswith("recoup.db")


def test_sqlite_pragmas(sqlite_engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() >= 1000


def test_second_sqlite_writer_waits_for_the_first(sqlite_engine) -> None:
    """BEGIN IMMEDIATE: the second writer queues behind the first instead of failing mid-way."""
    order: list[str] = []
    first_has_lock = threading.Event()

    def first() -> None:
        with SqlUnitOfWork(sqlite_engine) as u:
            u.session.execute(text("INSERT INTO practice (source_id, name, employer_collections, precollections_on, "
                                   "external_on, roster_on, aging_basis, write_off_code, version) "
                                   "VALUES ('A', 'A', 0, 1, 1, 1, 'patient', 'WO', 1)"))
            first_has_lock.set()
            time.sleep(0.3)
            order.append("first")
            u.commit()

    t = threading.Thread(target=first)
    t.start()
    first_has_lock.wait()
    with SqlUnitOfWork(sqlite_engine) as u:
        order.append("second")
        n = u.session.execute(text("SELECT COUNT(*) FROM practice")).scalar_one()
    t.join()
    assert order == ["first", "second"] and n == 1


def test_postgres_sessions_run_without_jit(engine) -> None:
    """db.engine._pg_engine: compiling Recoup's long generated expressions cost seconds a statement."""
    if engine.dialect.name != "postgresql":
        return
    with SqlUnitOfWork(engine, write=False) as u:
        assert u.session.execute(text("SHOW jit")).scalar_one() == "off"


def test_foreign_keys_are_enforced(engine) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError
    with SqlUnitOfWork(engine) as u, pytest.raises(IntegrityError):
        u.session.execute(text("INSERT INTO statement (practice_id, source_id, guarantor_id, date, dunning_level) "
                               "VALUES (999, 'S', 999, '2026-01-01', 0)"))
        u.session.flush()


def test_check_constraints_refuse_unknown_kinds(engine) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError
    with SqlUnitOfWork(engine) as u, pytest.raises(IntegrityError):
        u.session.execute(text("INSERT INTO operator (name, role, active, created_at, created_by, version) "
                               "VALUES ('x', 'wizard', true, '2026-01-01 00:00:00', 'x', 1)"))


def test_sqlite_checks_become_comparison_chains_and_still_refuse(tmp_path) -> None:
    """Migration 0012 rewrites a database made before it: no IN list left in any CHECK, the rows
    kept, and a value outside the list still refused (the same rule, in the cheaper form)."""
    import pytest
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from db import schema
    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = schema._config()
    with engine.connect().execution_options(recoup_write=True) as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011")

    def in_lists() -> int:
        with engine.connect() as c:
            return c.execute(text("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' "
                                  "AND sql LIKE '% IN (%'")).scalar_one()

    assert in_lists() > 0
    with engine.begin() as conn:  # a plain connection: the unit of work expects the newest schema
        conn.execute(text("INSERT INTO operator (name, role, active, created_at, created_by, version) "
                          "VALUES ('ann', 'admin', true, '2026-01-01 00:00:00', 'ann', 1)"))
    schema.upgrade(engine)
    assert in_lists() == 0
    with engine.connect() as c:
        assert c.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        assert c.execute(text("SELECT name FROM operator")).scalars().all() == ["ann"]
    with SqlUnitOfWork(engine) as u, pytest.raises(IntegrityError):
        u.session.execute(text("INSERT INTO operator (name, role, active, created_at, created_by, version) "
                               "VALUES ('x', 'wizard', true, '2026-01-01 00:00:00', 'x', 1)"))
    with SqlUnitOfWork(engine) as u, pytest.raises(IntegrityError):
        u.session.execute(text("UPDATE operator SET role = 'wizard'"))


def test_sums_of_cents_past_32_bits_bind_on_both_back_ends(engine) -> None:
    """core.sql.q types an int by its value: past 32 bits it binds as BIGINT (PostgreSQL's
    ::INTEGER refused a large practice's tally), and an executemany is typed by its widest row."""
    from core.sql import q, widest
    big = 3_000_000_000
    with SqlUnitOfWork(engine) as u:
        assert u.session.execute(q("SELECT :a", {"a": big})).scalar_one() == big
        u.session.execute(text("CREATE TEMP TABLE big_cents (a BIGINT)"))
        rows = [{"a": 1}, {"a": big}, {"a": -big}]
        u.session.execute(q("INSERT INTO big_cents (a) VALUES (:a)", widest(rows)), rows)
        assert u.session.execute(text("SELECT MAX(a), MIN(a) FROM big_cents")).one() == (big, -big)
