"""Collections Admin -> External Collections (SPEC 5): the assignment table, payment exclusions
and the four rules, per practice. Admins only; every change audited with before and after.

The threshold coupling lives in `normalise`, the one place that decides what a row means, so the
screen and the command line cannot disagree: both blank = manual selection only; an age alone is
saved with Balance Greater Than 0.00; a balance alone is refused naming the missing age; the auto
flags need thresholds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from core import audit
from core.errors import BadInput, NeedsConfirmation, Summary, SummaryLine
from core.models.agencies import Agency, AgencyAssignment, ExternalSettings
from core.models.base import saved_id
from core.money import format_percent, format_plain
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

MAX_DAYS = 9999


@dataclass(frozen=True)
class Assignment:
    """One row of the assignment table as entered (money in cents, None = blank)."""
    agency: str
    balance_gt_cents: int | None = None
    age_gt: int | None = None
    auto_approve: bool = False
    auto_file: bool = False

    @property
    def manual_only(self) -> bool:
        return self.age_gt is None


def normalise(a: Assignment) -> Assignment:
    """Apply the threshold coupling of SPEC 5 and refuse what cannot be saved, naming the field."""
    if a.balance_gt_cents is not None and a.balance_gt_cents < 0:
        raise BadInput(f"balance-gt: must be 0.00 or more, not {format_plain(a.balance_gt_cents)}",
                       field="balance_gt")
    if a.age_gt is not None and not 0 <= a.age_gt <= MAX_DAYS:
        raise BadInput(f"age-gt: must be 0 to {MAX_DAYS} days, not {a.age_gt}", field="age_gt")
    if a.balance_gt_cents is not None and a.age_gt is None:
        raise BadInput(f"age-gt: Age Greater Than is required with Balance Greater Than "
                       f"{format_plain(a.balance_gt_cents)} (leave both blank for manual selection only)",
                       field="age_gt")
    if a.age_gt is not None and a.balance_gt_cents is None:
        a = dataclasses.replace(a, balance_gt_cents=0)
    if a.manual_only and (a.auto_approve or a.auto_file):
        flag = "auto-approve" if a.auto_approve else "auto-file"
        raise BadInput(f"{flag}: Auto Approve and Auto Create File need thresholds (this agency is for "
                       "manual selection only)", field=flag.replace("-", "_"))
    return a


# ------------------------------------------------------------------------------ assignment table

def _agency(uow: UnitOfWork, practice_id: int, source_id: str, create: bool, actor: Actor,
            as_of: dt.date) -> Agency:
    if not source_id or len(source_id) > 40:
        raise BadInput("agency: an agency id of 1 to 40 characters is required", field="agency")
    agency = uow.session.exec(select(Agency).where(Agency.practice_id == practice_id,
                                                   Agency.source_id == source_id)).first()
    if agency is None and not create:
        raise BadInput(f"agency: no agency {source_id!r} in this practice", field="agency")
    if agency is None:
        agency = Agency(practice_id=practice_id, source_id=source_id, name=source_id)
        uow.session.add(agency)
        uow.session.flush()
        audit.record(uow, actor.name, "agency.save", "agency", [source_id], None,
                     {"name": agency.name, "format": agency.file_format, "columns": agency.columns,
                      "contact": None, "baa_signed": None, "fee_bp": 0}, as_of)
    return agency


def _row(uow: UnitOfWork, practice_id: int, agency_id: int) -> AgencyAssignment | None:
    return uow.session.exec(select(AgencyAssignment).where(AgencyAssignment.practice_id == practice_id,
                                                           AgencyAssignment.agency_id == agency_id)).first()


def _as_dict(row: AgencyAssignment | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"balance_gt": None if row.balance_gt_cents is None else format_plain(row.balance_gt_cents),
            "age_gt": row.age_gt, "auto_approve": row.auto_approve, "auto_file": row.auto_file}


def add_assignment(uow: UnitOfWork, actor: Actor, practice_id: int, entry: Assignment,
                   as_of: dt.date) -> AgencyAssignment:
    """Alt+D: add an agency to the table (creating the agency with a default profile if new)."""
    require(actor, "admin", "change the external collections assignment table")
    entry = normalise(entry)
    agency = _agency(uow, practice_id, entry.agency, True, actor, as_of)
    if _row(uow, practice_id, saved_id(agency)) is not None:
        raise BadInput(f"agency: {entry.agency} is already in the assignment table (use update)", field="agency")
    row = AgencyAssignment(practice_id=practice_id, agency_id=saved_id(agency), balance_gt_cents=entry.balance_gt_cents,
                           age_gt=entry.age_gt, auto_approve=entry.auto_approve, auto_file=entry.auto_file)
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, actor.name, "external.assignment.add", "agency_assignment", [entry.agency], None,
                 _as_dict(row), as_of)
    uow.commit()
    return row


UNSET: Any = object()


def update_assignment(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, as_of: dt.date, *,
                      balance_gt_cents: int | None = UNSET, age_gt: int | None = UNSET,
                      auto_approve: bool = UNSET, auto_file: bool = UNSET) -> AgencyAssignment:
    """Alt+U: change the given fields of a row (None clears a threshold); the coupling applies
    to the result, so clearing the age of a row with a balance is refused like entering it so."""
    require(actor, "admin", "change the external collections assignment table")
    ag = _agency(uow, practice_id, agency, False, actor, as_of)
    row = _row(uow, practice_id, saved_id(ag))
    if row is None:
        raise BadInput(f"agency: {agency} is not in the assignment table (use add)", field="agency")
    before = _as_dict(row)
    current = Assignment(agency, row.balance_gt_cents, row.age_gt, row.auto_approve, row.auto_file)
    given: dict[str, Any] = {k: v for k, v in (("balance_gt_cents", balance_gt_cents), ("age_gt", age_gt),
                               ("auto_approve", auto_approve), ("auto_file", auto_file)) if v is not UNSET}
    if given.get("age_gt", 0) is None and "balance_gt_cents" not in given:
        given["balance_gt_cents"] = None  # clearing the age makes the row manual-only
    entry = normalise(dataclasses.replace(current, **given))
    row.balance_gt_cents, row.age_gt = entry.balance_gt_cents, entry.age_gt
    row.auto_approve, row.auto_file = entry.auto_approve, entry.auto_file
    row.version += 1
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, actor.name, "external.assignment.update", "agency_assignment", [agency], before,
                 _as_dict(row), as_of)
    uow.commit()
    return row


def remove_assignment(uow: UnitOfWork, actor: Actor, practice_id: int, agency: str, as_of: dt.date,
                      confirmed: bool = False) -> None:
    """Alt+R: take the agency out of the table (its profile and placements stay)."""
    require(actor, "admin", "change the external collections assignment table")
    ag = _agency(uow, practice_id, agency, False, actor, as_of)
    row = _row(uow, practice_id, saved_id(ag))
    if row is None:
        raise BadInput(f"agency: {agency} is not in the assignment table", field="agency")
    n, cents = uow.session.execute(q(
        "SELECT COUNT(*), COALESCE(SUM(l.ar_cents + l.collections_cents), 0) FROM external_placement x "
        "JOIN service_line l ON l.id = x.line_id WHERE x.agency_id = :a AND x.active = TRUE",
        {"a": ag.id})).one()
    if not confirmed:
        raise NeedsConfirmation(Summary(f"Remove {ag.name} ({agency}) from the assignment table", [
            SummaryLine(1, None, "will no longer be used by the nightly run", noun="agency"),
            SummaryLine(int(n), int(cents), "placed with it stay with it", noun="line")]))
    before = _as_dict(row)
    uow.session.delete(row)
    uow.session.flush()
    audit.record(uow, actor.name, "external.assignment.remove", "agency_assignment", [agency], before, None, as_of)
    uow.commit()


@dataclass(frozen=True)
class AssignmentRow:
    agency: str
    name: str
    balance_gt_cents: int | None
    age_gt: int | None
    auto_approve: bool
    auto_file: bool


def assignments(uow: UnitOfWork, practice_id: int) -> list[AssignmentRow]:
    """The table as shown: automatic rows by age threshold, then the manual-only ones."""
    rows = uow.session.exec(select(AgencyAssignment, Agency).join(Agency, col(Agency.id) == AgencyAssignment.agency_id)
                            .where(AgencyAssignment.practice_id == practice_id)).all()
    out = [AssignmentRow(a.source_id, a.name, r.balance_gt_cents, r.age_gt, r.auto_approve, r.auto_file)
           for r, a in rows]
    return sorted(out, key=lambda r: (r.age_gt is None, r.age_gt or 0, r.agency))


def rules_in_order(uow: UnitOfWork, practice_id: int) -> list[AgencyAssignment]:
    """The automatic rows, highest age threshold first (the first a line qualifies for wins);
    ties go to the higher balance threshold, then to the agency added first."""
    rows = uow.session.exec(select(AgencyAssignment).where(AgencyAssignment.practice_id == practice_id,
                                                           col(AgencyAssignment.age_gt).is_not(None))).all()
    return sorted(rows, key=lambda r: (-(r.age_gt or 0), -(r.balance_gt_cents or 0), r.agency_id))


# -------------------------------------------------------------------------- exclusions and rules

RULE_FIELDS = ("account_level", "returned_mail", "reassign", "reage_denied", "by_dos")
EXCLUSION_FIELDS = ("exclude_days", "exclude_min_cents", "exclude_pct_bp")


def settings(uow: UnitOfWork, practice_id: int) -> ExternalSettings:
    """The practice's exclusions and rules (all off until an admin saves them)."""
    row = uow.session.exec(select(ExternalSettings).where(ExternalSettings.practice_id == practice_id)).first()
    return row or ExternalSettings(practice_id=practice_id, version=0)


def settings_dict(s: ExternalSettings) -> dict[str, Any]:
    return {"exclude_days": s.exclude_days,
            "exclude_min": None if s.exclude_min_cents is None else format_plain(s.exclude_min_cents),
            "exclude_pct": format_percent(s.exclude_pct_bp),
            **{f: getattr(s, f) for f in RULE_FIELDS}}


def check_exclusions(days: int | None, min_cents: int | None, pct_bp: int | None) -> None:
    """Exclusions are on when any part is given; then days and at least one minimum are required."""
    if days is None and min_cents is None and pct_bp is None:
        return
    if days is None:
        raise BadInput("exclude-days: Payment made within N days is required when payment exclusions are on",
                       field="exclude_days")
    if not 0 <= days <= MAX_DAYS:
        raise BadInput(f"exclude-days: must be 0 to {MAX_DAYS}, not {days}", field="exclude_days")
    if min_cents is None and pct_bp is None:
        raise BadInput("exclude-min: give a dollar minimum and/or a percentage minimum (--exclude-pct) "
                       "with the payment exclusion days", field="exclude_min")
    if min_cents is not None and min_cents <= 0:
        raise BadInput(f"exclude-min: must be more than 0.00, not {format_plain(min_cents)}", field="exclude_min")
    if pct_bp is not None and not 0 < pct_bp <= 10000:
        raise BadInput("exclude-pct: must be more than 0 and at most 100", field="exclude_pct")


def update_rules(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date,
                 changes: dict[str, Any]) -> ExternalSettings:
    """Change the given exclusion fields (None clears) and rules; the result is validated whole."""
    require(actor, "admin", "change the external collections rules")
    unknown = set(changes) - set(RULE_FIELDS) - set(EXCLUSION_FIELDS)
    if unknown:
        raise BadInput(f"{sorted(unknown)[0]}: not an external collections setting", field=sorted(unknown)[0])
    row = settings(uow, practice_id)
    before = settings_dict(row) if row.version else None
    merged = {**{f: getattr(row, f) for f in EXCLUSION_FIELDS}, **{k: v for k, v in changes.items()
                                                                    if k in EXCLUSION_FIELDS}}
    check_exclusions(merged["exclude_days"], merged["exclude_min_cents"], merged["exclude_pct_bp"])
    for field, value in changes.items():
        setattr(row, field, bool(value) if field in RULE_FIELDS else value)
    row.version += 1
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, actor.name, "external.rules", "external_settings", [practice_id], before,
                 settings_dict(row), as_of)
    uow.commit()
    return row
