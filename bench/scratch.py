"""A database of its own for one measurement: a new SQLite file, or a new, migrated PostgreSQL
database on the server a URL names (tests/pg_scratch.py, dropped on the way out), so a bench that
measures several sizes starts each one on an empty database on either back end; or a throw-away
copy of a demo database (the large demo), on either back end."""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import normalise_url
from tests.pg_scratch import admin_sql, scratch_database


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A URL to an empty database: on `url`'s PostgreSQL server, or a SQLite file in a temporary
    folder when `url` is None or names SQLite (that file is new whatever `url` says)."""
    if url is not None and make_url(url).get_backend_name() == "postgresql":
        with scratch_database(url, "recoup_bench") as scratch:
            yield scratch
        return
    with tempfile.TemporaryDirectory(prefix="recoup-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def is_postgres(source: str | Path) -> bool:
    return str(source).startswith("postgresql")


@contextmanager
def copy_of(source: str | Path) -> Iterator[str]:
    """A URL to a throw-away copy of a demo database, left as it was: a copy of a SQLite file, or
    on PostgreSQL a database made from it as a template (the server copies the files; nobody may
    be connected to the source meanwhile). The benches that run the large demo's batches change
    their copy; the source is built once (minutes on SQLite, a quarter of an hour on PostgreSQL)."""
    if is_postgres(source):
        base = make_url(normalise_url(str(source)))
        name = f"recoup_bench_copy_{uuid.uuid4().hex[:8]}"
        # FILE_COPY (PostgreSQL 15+): the server copies the files instead of logging every page,
        # several times faster for a database of gigabytes
        admin_sql(str(source), f'CREATE DATABASE "{name}" TEMPLATE "{base.database}" STRATEGY FILE_COPY')
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            admin_sql(str(source), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory(prefix="recoup-bench-copy-") as tmp:
        copy = Path(tmp) / "large.db"
        with sqlite3.connect(source) as a, sqlite3.connect(copy) as b:
            a.backup(b)  # a consistent copy even of a database in WAL mode
        yield f"sqlite:///{copy}"
