"""The practice's compliance settings and its agencies' ECA kinds (SPEC 15.3-15.5), set by admins.

Why one module: each is a single switch or amount that a rule elsewhere reads (core.eca,
core.itemization, core.credit_reporting); changing any is an audited admin act, and the command
line and the admin screen must check them the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from core import audit
from core.errors import BadInput, Conflict
from core.exchange.agency_files import find_agency
from core.models.agencies import ECA_KINDS, Agency
from core.models.ledger import ITEMIZATION_BASES, Practice
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

SUMMARY_MAX = 2000
SETTINGS = ("nonprofit_501r", "fap_summary", "itemization_basis", "credit_report_min_cents",
            "no_medical_credit_reporting")


def settings_of(p: Practice) -> dict[str, Any]:
    return {name: getattr(p, name) for name in SETTINGS}


def set_compliance(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, *,
                   expected_version: int | None = None, **changes: Any) -> Practice:
    """Change any of SETTINGS (None leaves one as it is; a blank summary clears it); one audit
    entry with before and after. With `expected_version` (a screen's read), a change someone made
    since is refused, not overwritten."""
    require(actor, "admin", "change the practice's compliance settings")
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise BadInput(f"{unknown[0]}: not a compliance setting", field=unknown[0])
    changes = {k: v for k, v in changes.items() if v is not None}
    _check(changes)
    p = practice_by_id(uow, practice_id)
    before = settings_of(p)
    summary = changes.get("fap_summary", p.fap_summary)
    if changes.get("nonprofit_501r", p.nonprofit_501r) and not (summary or "").strip():
        raise BadInput("fap-summary: required while the practice is a non-profit hospital (501(r)): every ECA "
                       "notice prints it", field="fap_summary")
    _claim(uow, "practice", p.id, expected_version, "the practice's compliance settings")
    for name, value in changes.items():
        setattr(p, name, (value.strip() or None) if isinstance(value, str) and name == "fap_summary" else value)
    p.version = p.version + 1 if expected_version is None else expected_version + 1
    uow.session.add(p)
    audit.record(uow, actor.name, "practice.compliance", "practice", [p.source_id], before, settings_of(p),
                 business_date=as_of)
    uow.commit()
    return p


def _check(changes: dict[str, Any]) -> None:
    problems = []
    basis = changes.get("itemization_basis")
    if basis is not None and basis not in ITEMIZATION_BASES:
        problems.append(f"itemization-basis: {basis!r} is not one of {', '.join(ITEMIZATION_BASES)}")
    minimum = changes.get("credit_report_min_cents")
    if minimum is not None and not 0 <= minimum <= 100_000_00:
        problems.append("credit-report-min: from 0.00 to 100,000.00")
    summary = changes.get("fap_summary")
    if summary is not None and len(summary.strip()) > SUMMARY_MAX:
        problems.append(f"fap-summary: the plain-language summary takes at most {SUMMARY_MAX} characters")
    if problems:
        raise BadInput("; ".join(problems), field=problems[0].split(":")[0].replace("-", "_"), problems=problems)


def parse_kinds(text: str) -> list[str]:
    """"credit_reporting,legal" -> the kinds, checked; "" or "none" -> no ECA kinds."""
    kinds = [k.strip() for k in text.split(",") if k.strip() and k.strip() != "none"]
    bad = [k for k in kinds if k not in ECA_KINDS]
    if bad:
        raise BadInput(f"eca-kinds: {bad[0]!r} is not one of {', '.join(ECA_KINDS)} (or none)", field="eca_kinds")
    return sorted(set(kinds), key=ECA_KINDS.index)


def set_agency_eca(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, kinds: list[str],
                   as_of: dt.date, expected_version: int | None = None) -> Agency:
    """What an agency does that makes a placement with it (or a turnover to it) an ECA (credit
    reporting, buying debt, suing). With `expected_version` (a screen's read), a change someone
    made to the agency since is refused, not overwritten."""
    require(actor, "admin", "change an agency's ECA kinds")
    text = ",".join(parse_kinds(",".join(kinds)))
    ag = find_agency(uow, practice_id, (agency or "").strip())
    assert ag is not None
    before = ag.eca_kinds
    _claim(uow, "agency", ag.id, expected_version, f"agency {ag.source_id}")
    ag.eca_kinds, ag.version = text, (ag.version if expected_version is None else expected_version) + 1
    uow.session.add(ag)
    audit.record(uow, actor.name, "agency.eca_kinds", "agency", [ag.source_id], {"eca_kinds": before},
                 {"eca_kinds": text}, business_date=as_of)
    uow.commit()
    return ag


def _claim(uow: UnitOfWork, table: str, row_id: int | None, expected_version: int | None, what: str) -> None:
    """Refuse a save made from a stale read: one conditional UPDATE, so two operators saving at
    once cannot both pass (the row's version moves to expected + 1 here)."""
    if expected_version is None:
        return
    done = uow.session.execute(q(f"UPDATE {table} SET version = version + 1 WHERE id = :id AND version = :v",
                                 {"id": row_id, "v": expected_version}))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"{what}: changed by someone else after you read it, so nothing was saved - "
                       "read it again and make your change again")


def agencies_eca(uow: UnitOfWork, actor: Actor, practice_id: int) -> list[Agency]:
    """The practice's agencies with their ECA kinds, by agency id."""
    require(actor, "viewer", "see the agencies' ECA kinds")
    return list(uow.session.exec(select(Agency).where(Agency.practice_id == practice_id)
                                 .order_by(Agency.source_id)).all())


def practice_settings(uow: UnitOfWork, actor: Actor, practice_id: int) -> dict[str, Any]:
    require(actor, "viewer", "see the practice's compliance settings")
    return settings_of(practice_by_id(uow, practice_id))
