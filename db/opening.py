"""Opening the database named by --db, and saying in one line why it could not be opened.

A refused connection, a PostgreSQL database that does not exist, /dev/null, a URL of a kind
Recoup does not speak: each is the operator's input, so each is BadInput naming --db, with the
driver's own first line as the reason (never the SQL and parameters SQLAlchemy adds, which can
carry patient data).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from core.errors import BadInput
from db.engine import make_engine, resolve_url, shown_url

DB_HELP = "give --db a file path, sqlite:///FILE or postgresql://USER@HOST/DATABASE"


def open_engine(url: str | None) -> Engine:
    """The engine for --db (else RECOUP_DATABASE_URL, else the embedded file), connected once and
    read from, so a database that is not there, not reachable or not a database is refused here,
    before any work starts."""
    try:
        shown = shown_url(url)
    except (SQLAlchemyError, ValueError):
        raise _bad_db(f"not a database URL ({DB_HELP})") from None
    if _not_a_file(url):
        raise _bad_db(f"cannot open {shown}: not a regular file a database can be kept in")
    try:
        engine = make_engine(url)
        with engine.connect() as conn:  # a read: SQLite opens its file lazily
            conn.exec_driver_sql("SELECT COUNT(*) FROM sqlite_master" if engine.dialect.name == "sqlite"
                                 else "SELECT 1")
    except (SQLAlchemyError, ImportError, OSError) as exc:
        raise _bad_db(f"cannot open {shown}: {cause(exc)}") from None
    return engine


def cause(exc: BaseException) -> str:
    """The first line of what went wrong, in the driver's words, without SQL or parameters."""
    if isinstance(exc, (NoSuchModuleError, ImportError)):
        return f"this kind of database is not supported ({DB_HELP})"
    if isinstance(exc, ArgumentError):
        return f"not a database URL ({DB_HELP})"
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _not_a_file(url: str | None) -> bool:
    """/dev/null, a folder, a fifo: SQLite opens them and fails later, at the first write."""
    resolved = make_url(resolve_url(url))
    path = resolved.database if resolved.drivername.startswith("sqlite") else None
    if not path or path == ":memory:":
        return False
    return Path(path).exists() and not Path(path).is_file()


def _bad_db(reason: str) -> BadInput:
    return BadInput(f"--db: {reason}", field="db", reason=reason)
