"""The database's identity: a short random id made once (migration 0019, i.e. at `init`).

It goes into every file name Recoup writes, so two databases on one machine writing into one
folder can never choose the same name, whatever their practices, agencies and batches.
"""

from __future__ import annotations

import secrets

from sqlmodel import col, select

from core.models.exchange import DatabaseIdentity
from core.uow import UnitOfWork


def database_identity(uow: UnitOfWork) -> str:
    """The stored identity; made here (in the caller's transaction) if the database has none
    yet — a database built from the models rather than the migrations."""
    row = uow.session.exec(select(DatabaseIdentity).order_by(col(DatabaseIdentity.id))).first()
    if row is None:
        row = DatabaseIdentity(identity=secrets.token_hex(4), created_at=uow.now())
        uow.session.add(row)
        uow.session.flush()
    return row.identity
