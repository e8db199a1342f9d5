"""CHECK constraints on SQLite: lists of allowed values as chains of comparisons

Revision ID: 0012
Revises: 0011
Written by hand. SQLite evaluates `col IN ('a', 'b', ...)` inside a CHECK by building a lookup
table for every row written: on the four checks of ledger_txn that was 0.6 s of every 200,000
postings, more than writing the rows. `(col = 'a' OR col = 'b' ...)` means the same and costs a
tenth. The models write the new form (core.models.base.one_of / none_of); this rewrites the
tables of an existing SQLite database the way SQLite documents for changing constraints that
every stored row already satisfies: edit the table's text in sqlite_schema and bump the schema
version, in this transaction, in no time whatever the size. PostgreSQL evaluates IN lists as
fast as comparisons, so its constraints are left as they are.
"""
import re

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

IN_LIST = re.compile(r"(\w+) (NOT )?IN \(((?:'[^']*'(?:, )?)+)\)")


def _chain(match: re.Match) -> str:
    column, negated, items = match.group(1), match.group(2), match.group(3)
    values = re.findall(r"'([^']*)'", items)
    if negated:
        return "(" + " AND ".join(f"{column} <> '{v}'" for v in values) + ")"
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


def _rewrite(pattern: re.Pattern, replace) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    tables = bind.exec_driver_sql("SELECT name, sql FROM sqlite_schema WHERE type = 'table' "
                                  "AND sql LIKE '%CHECK%'").all()
    changed = [(name, pattern.sub(replace, sql)) for name, sql in tables]
    changed = [(name, sql) for (name, sql), (_n, old) in zip(changed, tables) if sql != old]
    if not changed:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    for name, sql in changed:
        bind.exec_driver_sql("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", (sql, name))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _rewrite(IN_LIST, _chain)


CHAIN = re.compile(r"\((\w+) (?:(=) '[^']*'(?: OR \1 = '[^']*')*|(<>) '[^']*'(?: AND \1 <> '[^']*')*)\)")


def downgrade() -> None:
    _rewrite(CHAIN, _in_list_from_chain)


def _in_list_from_chain(match: re.Match) -> str:
    column, negated = match.group(1), match.group(3) is not None
    values = re.findall(r"(?:=|<>) '([^']*)'", match.group(0))
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} {'NOT ' if negated else ''}IN ({listed})"
