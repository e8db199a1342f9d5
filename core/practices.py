"""Finding the practice a use case works on, with the one message every workflow gives."""

from __future__ import annotations

from sqlmodel import select

from core.errors import BadInput
from core.models.ledger import Practice
from core.uow import UnitOfWork


def find_practice(uow: UnitOfWork, ref: str | None) -> Practice:
    """A practice by its id in the practice system; with none given, the only practice there is."""
    if ref is None:
        found = list(uow.session.exec(select(Practice).limit(2)))
        if len(found) != 1:
            raise BadInput("practice: give --practice (there are "
                           f"{'no' if not found else 'several'} practices)", field="practice")
        return found[0]
    practice = uow.session.exec(select(Practice).where(Practice.source_id == ref)).first()
    if practice is None:
        raise BadInput(f"practice: no practice {ref!r}", field="practice")
    return practice


def practice_by_id(uow: UnitOfWork, practice_id: int) -> Practice:
    practice = uow.session.get(Practice, practice_id)
    if practice is None:
        raise BadInput(f"practice: no practice with id {practice_id}", field="practice")
    return practice
