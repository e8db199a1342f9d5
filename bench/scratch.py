"""A database of its own for one measurement: a new SQLite file, or a new PostgreSQL database on
the server a URL names (created here, dropped on the way out), so a bench that measures several
sizes starts each one on an empty database on either back end."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def create_pg(base: str) -> tuple[str, str]:
    """A new, empty database on `base`'s server: (its name, its URL)."""
    name = f"recoup_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_pg(base: str, name: str) -> None:
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A URL to an empty database: on `url`'s PostgreSQL server, or a SQLite file in a temporary
    folder when `url` is None or names SQLite (that file is new whatever `url` says)."""
    if url is not None and make_url(url).get_backend_name() == "postgresql":
        name, scratch = create_pg(url)
        try:
            yield scratch
        finally:
            drop_pg(url, name)
        return
    with tempfile.TemporaryDirectory(prefix="recoup-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"
