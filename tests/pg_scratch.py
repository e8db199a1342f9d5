"""A throw-away PostgreSQL database on a configured server, migrated to head: the test fixtures
and the concurrency benchmark each need one per run, created and dropped the same way."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db import schema
from db.engine import make_engine, normalise_url


def admin_sql(base: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE and DROP DATABASE) on the server of `base`."""
    admin = create_engine(make_url(normalise_url(base)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


@contextmanager
def scratch_database(base: str, prefix: str) -> Iterator[str]:
    """Yield the URL of a new, migrated database beside `base`; drop it afterwards (FORCE: a
    crashed worker's connections must not keep it alive)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin_sql(base, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(normalise_url(base)).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
