"""Shared fixtures: a real SQLite file always, the real PostgreSQL server when configured.

`engine` is parametrised over both back ends; PostgreSQL runs only when RECOUP_TEST_POSTGRES_URL
is set (CI sets it) and each test starts from empty tables in a database of its own worker.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import secrets
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from core import security
from core.security import Actor
from db import schema
from db.engine import make_engine, normalise_url
from db.uow import SqlUnitOfWork
from tests.pg_scratch import admin_sql, scratch_database

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
    """Empty every table and restart every id sequence, as TRUNCATE ... RESTART IDENTITY would.
    DELETE, not TRUNCATE: TRUNCATE gives each of the ~50 tables and their indexes new files, about
    0.5 s a test on a quiet machine, where deleting a test's few rows takes milliseconds."""
    from sqlmodel import SQLModel

    import core.models  # noqa: F401
    deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:  # the append-only tables refuse DELETE: reset as a superuser DBA would
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(deletes))
        conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) "
                          "FROM pg_sequences WHERE schemaname = current_schema()"))


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
    """A migrated, empty database on each back end; a copy of the small demo in a test (or module)
    marked `small_demo`."""
    if request.node.get_closest_marker("small_demo"):
        with _small_demo_copy(request, tmp_path) as eng:
            yield eng
        return
    if request.param == "sqlite":
        eng = migrated_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "recoup.db")
    else:
        eng = make_engine(request.getfixturevalue("pg_url"))
        _truncate_all(eng)
    yield eng
    eng.dispose()


# ---- the small demo, built once per run ---------------------------------------------------------
# Building the small demo takes seconds (more on PostgreSQL); the tests that start from it used to
# build it each. Now the first worker that needs it builds it into a template (a SQLite file, a
# PostgreSQL database) under a lock in the run's temporary folder, which every xdist worker shares,
# and each test gets its own copy of the template: a file copy, or CREATE DATABASE ... TEMPLATE.
# The copy is the database the build made, byte for byte (its identity too), so a test may write.


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this whole run: shared by every xdist worker (each has a
    subfolder of it), the run's own folder without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def built_once(folder: Path) -> Iterator[bool]:
    """Under a lock shared by the run's workers: yields whether `folder` still has to be built (the
    caller builds it then), marking it done when the caller returns without an error."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # released when the file closes
        done = folder / "done"
        if done.exists():
            yield False
            return
        shutil.rmtree(folder, ignore_errors=True)   # what a failed attempt left
        folder.mkdir()
        yield True
        done.touch()


@pytest.fixture(scope="session")
def small_demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, str]:
    """The small demo at TODAY, built by LOGIN, in a SQLite file, once per run: (the file, the
    build's report). Its files are in `demo-files` beside it. Copy the file before using it."""
    folder = run_folder(tmp_path_factory) / "small-demo-sqlite"
    with built_once(folder) as build:
        if build:
            from db.demo import build_demo
            eng = migrated_sqlite(sqlite_template, folder / "demo.db")
            report = build_demo(eng, LOGIN, TODAY, "small", folder=folder / "demo-files")
            eng.dispose()   # the last connection checkpoints the write-ahead log into the file
            (folder / "report.txt").write_text(report)
    return folder / "demo.db", (folder / "report.txt").read_text()


@pytest.fixture(scope="session")
def pg_demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, str]:
    """The same demo in a PostgreSQL database, once per run: (its name, its files, the report).
    The controller drops it when the run ends (pytest_sessionfinish)."""
    if not PG_URL:
        pytest.skip("RECOUP_TEST_POSTGRES_URL is not set")
    folder = run_folder(tmp_path_factory) / "small-demo-postgres"
    with built_once(folder) as build:
        if build:
            from db.demo import build_demo
            name = pg_template_name(run_folder(tmp_path_factory))
            admin_sql(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin_sql(PG_URL, f'CREATE DATABASE "{name}"')
            eng = make_engine(_pg_database(name))
            schema.upgrade(eng)
            report = build_demo(eng, LOGIN, TODAY, "small", folder=folder / "demo-files")
            eng.dispose()   # CREATE DATABASE ... TEMPLATE refuses while anyone is connected to it
            (folder / "report.txt").write_text(report)
            (folder / "name.txt").write_text(name)
    return (folder / "name.txt").read_text(), folder / "demo-files", (folder / "report.txt").read_text()


def _pg_database(name: str) -> str:
    """The URL of database `name` on the test server."""
    assert PG_URL
    return make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def pg_template_name(run: Path) -> str:
    return "recoup_demo_" + hashlib.sha256(str(run).encode()).hexdigest()[:12]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's PostgreSQL demo template goes when the whole run ends: in the xdist controller
    (workers end one by one and another may still copy it), or in the only process."""
    if not PG_URL or hasattr(session.config, "workerinput"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    run = run_folder(factory)
    if (run / "small-demo-postgres").exists():
        admin_sql(PG_URL, f'DROP DATABASE IF EXISTS "{pg_template_name(run)}" WITH (FORCE)')


@dataclass
class SmallDemo:
    report: str          # what build_demo said
    files: Path          # the folder it wrote its files to (shared: read them, write elsewhere)


@contextmanager
def _small_demo_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        template, report = request.getfixturevalue("small_demo_template")
        path = tmp_path / "recoup.db"
        shutil.copyfile(template, path)
        path.chmod(0o600)
        request.node.stash[DEMO] = SmallDemo(report, template.parent / "demo-files")
        eng = make_engine(f"sqlite:///{path}")
        try:
            yield eng
        finally:
            eng.dispose()
        return
    name, files, report = request.getfixturevalue("pg_demo_template")
    copy = f"recoup_demo_copy_{uuid.uuid4().hex[:8]}"
    assert PG_URL
    admin_sql(PG_URL, f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    request.node.stash[DEMO] = SmallDemo(report, files)
    eng = make_engine(_pg_database(copy))
    try:
        yield eng
    finally:
        eng.dispose()
        admin_sql(PG_URL, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


DEMO = pytest.StashKey[SmallDemo]()


@pytest.fixture
def demo_build(engine: Engine, request: pytest.FixtureRequest) -> SmallDemo:
    """In a test marked `small_demo`: what the build of the demo in `engine` said, and where its
    files are."""
    return request.node.stash[DEMO]


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
