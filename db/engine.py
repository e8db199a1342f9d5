"""From a URL to a configured SQLAlchemy engine.

SQLite is the embedded default: a file in the user's data directory (owner-only: create_sqlite_file;
opening one never creates folders), in WAL mode with a busy
timeout and foreign keys on; writers start with BEGIN IMMEDIATE so two writers queue instead of
failing half-way. PostgreSQL is reached with psycopg 3 from the plain URL people write, with JIT compilation off
(see _pg_engine).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from core.audit_cover import TEXT_FUNCTION, text_digest

ENV_URL = "RECOUP_DATABASE_URL"
BUSY_TIMEOUT_MS = 30_000


def default_path() -> Path:
    from platformdirs import user_data_dir
    return Path(user_data_dir("recoup", appauthor=False)) / "recoup.db"


def resolve_url(url: str | None) -> str:
    """--db, else RECOUP_DATABASE_URL, else the embedded default file."""
    url = url or os.environ.get(ENV_URL)
    if not url:
        return f"sqlite:///{default_path()}"
    return normalise_url(url)


def normalise_url(url: str) -> str:
    """Accept what users write: postgresql://u@h/db means psycopg 3; a bare path means SQLite."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str | None) -> str:
    """The database as shown to the operator: resolved like make_engine's, password hidden."""
    return make_url(resolve_url(url)).render_as_string(hide_password=True)


def make_engine(url: str | None = None) -> Engine:
    url = resolve_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return _pg_engine(url)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def create_sqlite_file(path: Path) -> None:
    """Make an empty database file readable by its owner only (0600), in a folder of the owner's
    only (0700) where Recoup makes the folder; SQLite gives its -wal and -shm files the database
    file's mode. Only `init` and `demo` create a database (tui.commands.context)."""
    missing = [p for p in [path.parent, *path.parent.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)   # whatever the umask
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    path.chmod(0o600)


def _pg_engine(url: str) -> Engine:
    """PostgreSQL with JIT off for every session.

    Recoup's statements are short or set-based with long generated expressions (the eligibility
    reasons as CASE arms, the hold-day sums); their estimated costs pass jit_above_cost, and
    compiling them (about a thousand functions, inlined and optimised) took 6-12 s each where
    the statement itself runs in 0.1 s: the roster's tally, 15 times, was 80 of the medium demo's
    150 s. A SET at connect rather than a startup option, which poolers such as PgBouncer refuse."""
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET jit = off")
        dbapi_conn.commit()

    return engine


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # the audit chain's digest of free text (core.audit_cover); PostgreSQL has md5() built in
        dbapi_conn.create_function(TEXT_FUNCTION, 2, text_digest, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("recoup_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
