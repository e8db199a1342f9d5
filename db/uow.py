"""The unit of work: one database transaction per use case, rolled back unless committed."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlUnitOfWork:
    """Implements core.uow.UnitOfWork over an engine.

    `write=True` makes SQLite take its write lock at BEGIN (BEGIN IMMEDIATE), so a second writer
    waits for the first instead of failing at its first write.

    `rehearsal=True` is the preview's unit of work: use cases run exactly as they would, one after
    another in one transaction (each sees what the ones before it wrote, as the real nightly
    does), their commits only flush, and everything is rolled back at the end. So a preview and
    the run it previews execute the same code on the same data, and the preview writes nothing.
    """

    def __init__(self, engine: Engine, write: bool = True,
                 clock: Callable[[], dt.datetime] = _utcnow, rehearsal: bool = False) -> None:
        self.engine = engine
        self.write = write
        self.rehearsal = rehearsal
        self.dialect = engine.dialect.name
        self._clock = clock
        self._conn: Connection | None = None
        self._committed = False
        self._before_commit: list[Callable[[], None]] = []
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> SqlUnitOfWork:
        conn = self.engine.connect().execution_options(recoup_write=self.write)
        self._conn = conn
        self._before_commit, self._after_commit = [], []
        self._trans = conn.begin()
        self.session = Session(bind=conn,
                               expire_on_commit=False)
        if self.write:
            from core import audit
            audit.begin_writing(self)  # its commit vouches for the rows it adds (core.audit_cover)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._trans.is_active:
                self._trans.rollback()
        finally:
            self.session.close()
            assert self._conn is not None
            self._conn.close()

    def commit(self) -> None:
        self.session.flush()
        for step in self._before_commit:
            step()
        if self.rehearsal:
            self.session.flush()
            return
        self._trans.commit()
        self._committed = True
        for after in self._after_commit:
            after()

    def before_commit(self, step: Callable[[], None]) -> None:
        """See core.uow.UnitOfWork.before_commit; steps run in the order they were registered."""
        self._before_commit.append(step)

    def after_commit(self, step: Callable[[], None]) -> None:
        """See core.uow.UnitOfWork.after_commit; a rehearsal never runs them."""
        self._after_commit.append(step)

    def now(self) -> dt.datetime:
        return self._clock()

    def lock(self, key: str) -> None:
        """A transaction-scoped lock. SQLite writers already hold the database lock."""
        if self.dialect == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                 {"k": zlib.crc32(key.encode())})
