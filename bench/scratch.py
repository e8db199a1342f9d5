"""A database of its own for one measurement: a new SQLite file, or a new, migrated PostgreSQL
database on the server a URL names (tests/pg_scratch.py, dropped on the way out), so a bench that
measures several sizes starts each one on an empty database on either back end."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.pg_scratch import scratch_database


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
