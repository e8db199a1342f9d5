"""Create or upgrade a database to the newest schema with Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory
    return set(ScriptDirectory.from_config(_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """The schema's revisions; a database that cannot be opened (server down, wrong password, no
    such database) is one BadInput naming it (password hidden), not a driver traceback."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import DBAPIError

    from core.errors import BadInput
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    except DBAPIError as exc:
        if exc.connection_invalidated or not isinstance(exc.orig, Exception) or exc.statement:
            raise
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        shown = engine.url.render_as_string(hide_password=True)
        raise BadInput(f"--db: cannot open {shown}: {reason}", field="--db") from None


def is_current(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()


def is_new(engine: Engine) -> bool:
    """True when the database holds no Recoup tables yet."""
    return "alembic_version" not in inspect(engine).get_table_names()


def upgrade(engine: Engine) -> None:
    """Bring the schema to head in one transaction (PostgreSQL) or one write lock (SQLite)."""
    from alembic import command
    cfg = _config()
    with engine.connect().execution_options(recoup_write=True) as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
