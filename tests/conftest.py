"""Shared fixtures: a real SQLite file always, the real PostgreSQL server when configured.

`engine` is parametrised over both back ends; PostgreSQL runs only when RECOUP_TEST_POSTGRES_URL
is set (CI sets it) and each test starts from empty tables in a database of its own worker.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text

from core import security
from core.security import Actor
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from tests.pg_scratch import scratch_database

# Hypothesis: the default run is derandomized (the same examples on every machine, every run, so
# the suite is green or red by itself) and has no per-example deadline (a timing assertion on a
# shared 2-core machine). The long profile (RECOUP_LONG=1 or --long) explores at random.
settings.register_profile("recoup", derandomize=True, deadline=None, database=None)
settings.register_profile("recoup-long", deadline=None)


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("RECOUP_AUDIT_KEY"):  # never the key file of whoever runs the tests
        import tempfile
        os.environ["RECOUP_AUDIT_KEY"] = str(Path(tempfile.mkdtemp(prefix="recoup-key-")) / "audit.key")
    if not os.environ.get("RECOUP_ANCHORS"):  # nor their anchor folder (session fixtures run batches too)
        import tempfile
        os.environ["RECOUP_ANCHORS"] = tempfile.mkdtemp(prefix="recoup-anchors-")
    long = os.environ.get("RECOUP_LONG") or config.getoption("--long", default=False)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("recoup-long" if long else "recoup"))


PG_URL = os.environ.get("RECOUP_TEST_POSTGRES_URL")
TODAY = dt.date(2026, 11, 23)
LOGIN = "tester"


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    if not PG_URL:
        pytest.skip("RECOUP_TEST_POSTGRES_URL is not set")
    with scratch_database(PG_URL, f"recoup_test_{worker_id}") as url:  # a database of this worker's own
        yield url


@pytest.fixture(autouse=True)
def _file_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Files a test writes without naming a folder land in its own temporary folder, never in
    the data folder of whoever runs the tests."""
    monkeypatch.setenv("RECOUP_AGENCY_FILES", str(tmp_path / "agency-files"))
    monkeypatch.setenv("RECOUP_ROSTER_FILES", str(tmp_path / "roster-files"))
    monkeypatch.setenv("RECOUP_ANCHORS", str(tmp_path / "anchor-files"))


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _truncate_all(engine: Engine) -> None:
    from sqlmodel import SQLModel

    import core.models  # noqa: F401
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:  # the append-only tables refuse TRUNCATE: reset as a superuser DBA would
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to head once per worker: migrating takes about 0.3 s,
    copying the file a few milliseconds, and a copy is byte for byte what the migration made."""
    path = tmp_path_factory.mktemp("template") / "recoup.db"
    eng = make_engine(f"sqlite:///{path}")
    schema.upgrade(eng)
    eng.dispose()
    return path


def migrated_sqlite(template: Path, path: Path) -> Engine:
    """A fresh migrated SQLite file at `path`, owner-only like one Recoup makes, with an identity
    of its own (files name the database they came from; two test databases must not share one)."""
    shutil.copyfile(template, path)
    path.chmod(0o600)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE database_identity SET identity = ?", (secrets.token_hex(4),))
    conn.close()
    return make_engine(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each back end."""
    if request.param == "sqlite":
        eng = migrated_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "recoup.db")
    else:
        eng = make_engine(request.getfixturevalue("pg_url"))
        _truncate_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """SQLite only, for tests of SQLite-specific behaviour."""
    eng = migrated_sqlite(sqlite_template, tmp_path / "recoup.db")
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine: Engine) -> Callable[..., SqlUnitOfWork]:
    """Make a unit of work on the test database: `with uow() as u: ...`."""
    return lambda write=True: SqlUnitOfWork(engine, write=write)


@pytest.fixture
def admin(uow: Callable[..., SqlUnitOfWork]) -> Actor:
    """The database's first admin, as `recoup init` makes it."""
    with uow() as u:
        actor = security.bootstrap_admin(u, LOGIN)
        u.commit()
    return actor


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `recoup ...` in-process against the test database as the login `tester`.

    Returns (exit status, stdout, stderr).
    """
    from tui.cli import main
    monkeypatch.setattr("tui.commands.context.os_login", lambda: LOGIN)
    url = engine.url.render_as_string(hide_password=False)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--db", url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run
