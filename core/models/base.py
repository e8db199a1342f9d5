"""Column helpers shared by every table module.

SQLModel's defaults are wrong for money and enumerations (INT4 on PostgreSQL, no CHECK), so every
table builds those columns through these two functions instead.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, String, event
from sqlmodel import Field, SQLModel

# Stable constraint names, so Alembic migrations can name what they alter on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def cents(default: int | None = 0, nullable: bool = False, **kw: Any) -> Any:
    """A money column: BigInteger cents, never Decimal (stored as float on SQLite)."""
    return Field(default=default, sa_column=Column(BigInteger, nullable=nullable, **kw))


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for "column is one of values", for CHECK constraints, as a chain of comparisons.

    Not `IN (...)`: SQLite builds a lookup table for an IN list in a CHECK on every row it writes
    (0.16 s per constraint per 200,000 ledger rows, about as much as writing the rows themselves);
    the chain costs a tenth of that. Migration 0012 rewrites older SQLite databases the same way.
    """
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


def none_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for "column is none of values", for CHECK constraints (see one_of)."""
    return "(" + " AND ".join(f"{column} <> '{v}'" for v in values) + ")"


def choice(name: str, values: tuple[str, ...], default: str | None = None,
           nullable: bool = False, length: int = 20, **kw: Any) -> Any:
    """An enumerated text column with a CHECK constraint listing its allowed values.

    The CHECK is added at table level when the column joins its table: Alembic's autogenerate
    sees table constraints but not column ones.
    """
    condition = one_of(name, values)
    if nullable:
        condition = f"{name} IS NULL OR {condition}"
    column = Column(name, String(length), nullable=nullable, **kw)

    def _attach(col: Column, table: Any) -> None:
        table.append_constraint(CheckConstraint(condition, name=f"{name}_values"))

    event.listen(column, "after_parent_attach", _attach)
    return Field(default=default, sa_column=column)


def pk() -> Any:
    """A surrogate key: BIGINT on PostgreSQL, the rowid alias INTEGER on SQLite."""
    return Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True))


class _Keyed(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Keyed) -> int:
    """The surrogate key of a row already in the database. SQLModel types every key `int | None`
    (None until the INSERT is flushed); past the flush it is an int, and this checks it is."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id


def fk(target: str, nullable: bool = False, index: bool = True) -> Any:
    """A BigInteger foreign key (ids outgrow INT4 in a large billing office)."""
    return Field(default=None, sa_column=Column(BigInteger, ForeignKey(target), nullable=nullable, index=index))
