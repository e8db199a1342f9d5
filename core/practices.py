"""Finding the practice a use case works on, with the one message every workflow gives, and
which practices a nightly batch is due for (the one definition the worker, `recoup nightly` and
the run commands share)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from core import audit
from core.errors import BadInput, Conflict
from core.models.ledger import Encounter, Guarantor, Practice
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

BATCH_KINDS = ("external", "roster")   # the external run first, as `recoup nightly` does
ROSTER_DEFAULT_TIME = "02:00"          # the pre-loaded roster settings' automatic population time


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


def all_practices(uow: UnitOfWork) -> list[Practice]:
    """Every practice, by its id in the practice system."""
    return list(uow.session.exec(select(Practice).order_by(col(Practice.source_id))))


@dataclass(frozen=True)
class DuePractice:
    id: int
    source_id: str
    kind: str               # "external" or "roster"
    auto_time: str | None   # roster: the settings' HH:MM for the automatic population; external: None


def due_practices(uow: UnitOfWork, kind: str, ref: str | None = None, *,
                  automatic: bool = True) -> list[DuePractice]:
    """The practices batch `kind` runs for, by source id: "external" where external collections
    are on; "roster" where the roster is on and, for the `automatic` (nightly) run, automatic
    population is on too (a practice without roster settings yet gets the pre-loaded ones, where
    it is on). An operator's manual populate passes automatic=False. `ref` narrows to one
    practice (refused when there is no such practice)."""
    if kind not in BATCH_KINDS:
        raise BadInput(f"kind: {kind!r} is not a nightly batch ({', '.join(BATCH_KINDS)})", field="kind")
    where = ["p.external_on = TRUE"] if kind == "external" else ["p.roster_on = TRUE"]
    if kind == "roster" and automatic:
        where.append("(s.id IS NULL OR s.auto_populate = TRUE)")
    params: dict[str, object] = {}
    if ref is not None:
        where.append("p.id = :p")
        params["p"] = find_practice(uow, ref).id
    rows = uow.session.execute(q(
        "SELECT p.id, p.source_id, s.auto_time FROM practice p "
        "LEFT JOIN roster_settings s ON s.practice_id = p.id "
        f"WHERE {' AND '.join(where)} ORDER BY p.source_id", params))
    return [DuePractice(int(pid), source, kind, (at or ROSTER_DEFAULT_TIME) if kind == "roster" else None)
            for pid, source, at in rows]


def find_account(uow: UnitOfWork, practice: Practice, guarantor: str | None,
                 encounter: str | None) -> tuple[Guarantor, Encounter | None]:
    """A guarantor, or an encounter with its guarantor, by the practice system's ids: exactly one given."""
    if (guarantor is None) == (encounter is None):
        raise BadInput("target: give a guarantor or an encounter (one of the two)", field="guarantor")
    if encounter is not None:
        e = uow.session.exec(select(Encounter).where(Encounter.practice_id == practice.id,
                                                     Encounter.source_id == encounter)).first()
        if e is None:
            raise BadInput(f"encounter: no encounter {encounter!r} in practice {practice.source_id}",
                           field="encounter")
        g = uow.session.get(Guarantor, e.guarantor_id)
        if g is None:
            raise BadInput(f"encounter: {encounter!r} has no guarantor on file", field="encounter")
        return g, e
    found = uow.session.exec(select(Guarantor).where(Guarantor.practice_id == practice.id,
                                                     Guarantor.source_id == guarantor)).first()
    if found is None:
        raise BadInput(f"guarantor: no guarantor {guarantor!r} in practice {practice.source_id}", field="guarantor")
    return found, None


# ------------------------------------------------------------------ the practice profile (SPEC 15)

PROFILE_TEXT = {"name": 120, "address1": 120, "address2": 120, "city": 60, "state": 20, "zip": 12, "phone": 30,
                "remit_to": 200}
PROFILE_FIELDS = (*PROFILE_TEXT, "letter_due_days")
DUE_DAYS = (1, 365)


def profile(practice: Practice) -> dict[str, Any]:
    """What every letter prints of the practice: name, address, phone, remit-to, due days."""
    return {"practice": practice.source_id, **{k: getattr(practice, k) for k in PROFILE_FIELDS}}


def _check_profile(changes: dict[str, Any]) -> dict[str, Any]:
    """The cleaned changes; every bad field named at once, and nothing changes unless all pass."""
    problems, clean = [], {}
    for name, value in changes.items():
        if name not in PROFILE_FIELDS:
            problems.append(f"{name}: not a practice profile field")
        elif name == "letter_due_days":
            if isinstance(value, bool) or not isinstance(value, int) or not DUE_DAYS[0] <= value <= DUE_DAYS[1]:
                problems.append(f"letter-due-days: a whole number of days from {DUE_DAYS[0]} to {DUE_DAYS[1]}")
            clean[name] = value
        else:
            text = None if value is None else str(value).strip()
            field = name.replace("_", "-")
            if text and any(ord(ch) < 32 and ch != "\n" for ch in text):
                problems.append(f"{field}: control characters are not allowed")
            elif text and len(text) > PROFILE_TEXT[name]:
                problems.append(f"{field}: at most {PROFILE_TEXT[name]} characters")
            elif name == "name" and not text:
                problems.append("name: a practice needs a name")
            clean[name] = text or None
    if problems:
        raise BadInput("; ".join(problems), field=problems[0].split(":")[0].replace("-", "_"), problems=problems)
    return clean


def set_profile(uow: UnitOfWork, actor: Actor, practice_id: int, changes: dict[str, Any], as_of: dt.date,
                expected_version: int | None = None) -> Practice:
    """Change the practice profile (admins); audited with before and after. None clears a field."""
    require(actor, "admin", "change the practice profile")
    clean = _check_profile(changes)
    p = practice_by_id(uow, practice_id)
    if expected_version is not None and p.version != expected_version:
        raise Conflict("the practice profile was changed by someone else - reload")
    before = {k: getattr(p, k) for k in clean}
    for name, value in clean.items():
        setattr(p, name, value)
    p.version += 1
    uow.session.add(p)
    audit.record(uow, actor.name, "practice.profile", "practice", [p.source_id], before, clean, business_date=as_of)
    uow.commit()
    return p
