"""Create or upgrade a database to the newest schema with Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).parent / "migrations"


def _config():  # type: ignore[no-untyped-def]
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def is_new(engine: Engine) -> bool:
    """True when the database holds no Recoup tables yet."""
    return "alembic_version" not in inspect(engine).get_table_names()


def upgrade(engine: Engine) -> None:
    """Bring the schema to head in one transaction (PostgreSQL) or one write lock (SQLite)."""
    from alembic import command
    cfg = _config()
    with engine.connect().execution_options(recoup_write=True) as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
