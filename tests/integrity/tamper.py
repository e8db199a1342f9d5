"""What a DBA would do to tamper on purpose: drop the append-only triggers first.

Migration 0007 makes the ledger, journals, audit trail and history tables refuse UPDATE and
DELETE. Tests that prove `recoup verify` catches tampering must get past that guard the way a
person with database rights would, and this is the one place that knows how.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

PREFIX = "append_only_"


def trigger_names(conn: Connection) -> list[tuple[str, str]]:
    """(trigger, table) of every append-only trigger in the database."""
    if conn.dialect.name == "postgresql":
        sql = ("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
               "WHERE NOT t.tgisinternal AND t.tgname LIKE 'append_only_%'")
    else:
        sql = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'append_only_%'"
    return [(str(n), str(t)) for n, t in conn.execute(text(sql)).all()]


def drop_append_only_triggers(conn: Connection) -> int:
    """Get past the append-only triggers for the rest of the caller's transaction; returns how
    many there are. SQLite: drop them (each test has a database file of its own). PostgreSQL:
    `SET LOCAL session_replication_role = replica`, which a superuser DBA would use: user triggers
    stay off until this transaction ends and the triggers stay in place for the next tests,
    which share the server's test database."""
    names = trigger_names(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        return len(names)
    for name, _table in names:
        conn.execute(text(f"DROP TRIGGER {name}"))
    return len(names)
