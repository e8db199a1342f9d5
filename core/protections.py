"""Protected guarantors and "insurance still open" (SPEC 14): who may not be collected, and why.

These are kernel rules: every workflow, explain and verify read them through the eligibility
module, never on their own. Each rule is here twice, on purpose and side by side: as SQL over a
guarantor (and encounter) alias for the set-based batches, and as Python over one guarantor for
explain. The test suite checks the two agree.

- minor: under 18 on the business date (by birth date) with no responsible party on file;
- deceased: a date of death on or before the business date, with no estate representative
  (the responsible party) on file;
- bankruptcy: a bankruptcy filed on or before the business date;
- income_exempt: household income below the practice's threshold (a % of the poverty guideline
  of the business date's year for the household's size) — never placed with an agency or
  turned over (`AGENCY_ONLY`);
- insurance_open: the encounter's insurance is open or in appeal, or it still has insurance A/R,
  while the practice waits for insurance (on by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from core import audit
from core.errors import BadInput
from core.models.ledger import Guarantor, Practice
from core.models.protections import PovertyGuideline
from core.security import Actor, require
from core.uow import UnitOfWork

ADULT_AGE = 18
PROTECTIONS = ("minor", "deceased", "bankruptcy", "income_exempt")
AGENCY_ONLY = ("income_exempt",)  # reasons that stop agency placement and turnover, not the rest
REASONS = {"protected:minor": "a minor with no responsible party on file",
           "protected:deceased": "deceased, with no estate representative on file",
           "protected:bankruptcy": "in bankruptcy",
           "protected:income_exempt": "household income under the practice's poverty threshold",
           "insurance_open": "insurance has not finished with the encounter"}


def adult_born_on_or_before(as_of: dt.date) -> dt.date:
    """The latest birth date of someone 18 or older on `as_of` (29 February counts as 1 March)."""
    try:
        return as_of.replace(year=as_of.year - ADULT_AGE)
    except ValueError:
        return dt.date(as_of.year - ADULT_AGE, 3, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class IncomeRule:
    """The practice's threshold with the guideline of the business date's year, or None when the
    practice sets no threshold or no guideline is on file for that year or before."""
    pct: int
    year: int
    base_cents: int
    per_person_cents: int

    def limit_cents(self, household: int) -> int:
        """Income below this is exempt: pct % of base + (size - 1) x per person, in whole cents."""
        return self.pct * (self.base_cents + (household - 1) * self.per_person_cents) // 100


def income_rule(uow: UnitOfWork, practice: Practice, as_of: dt.date) -> IncomeRule | None:
    if practice.income_threshold_pct is None:
        return None
    row = uow.session.exec(select(PovertyGuideline).where(col(PovertyGuideline.year) <= as_of.year)
                           .order_by(col(PovertyGuideline.year).desc())).first()
    if row is None:
        return None
    return IncomeRule(practice.income_threshold_pct, row.year, row.base_cents, row.per_person_cents)


# ------------------------------------------------------------------------------------ as SQL

def protected_sql(rule: IncomeRule | None, g: str = "g") -> dict[str, str]:
    """Per protection, SQL true when guarantor `g` has it on :el_d (params: `protection_params`)."""
    income = (f"({g}.household_income_cents IS NOT NULL AND {g}.household_size IS NOT NULL "
              f"AND {g}.household_income_cents * 100 < :el_pct * (:el_base + ({g}.household_size - 1) * :el_per))")
    return {
        "minor": f"({g}.birth_date > :el_adult AND {g}.responsible_party_name IS NULL)",
        "deceased": f"({g}.date_of_death <= :el_d AND {g}.responsible_party_name IS NULL)",
        "bankruptcy": f"({g}.bankruptcy_filed <= :el_d)",
        "income_exempt": income if rule is not None else "(1 = 0)",
    }


def protection_params(rule: IncomeRule | None, as_of: dt.date) -> dict[str, Any]:
    params: dict[str, Any] = {"el_d": as_of, "el_adult": adult_born_on_or_before(as_of)}
    if rule is not None:
        params.update(el_pct=rule.pct, el_base=rule.base_cents, el_per=rule.per_person_cents)
    return params


def insurance_open_sql(e: str = "e") -> str:
    """SQL true when encounter `e` waits for insurance (ask it only when the practice waits)."""
    return f"({e}.insurance_status = 'open' OR {e}.insurance_status = 'appeal' OR {e}.ins_ar_cents > 0)"


# ------------------------------------------------------------------------------------ in Python

def protections_of(g: Guarantor, as_of: dt.date, rule: IncomeRule | None) -> list[tuple[str, str]]:
    """(reason code, what was found) for one guarantor, in the order of PROTECTIONS."""
    found = []
    if g.birth_date is not None and g.birth_date > adult_born_on_or_before(as_of) and not g.responsible_party_name:
        found.append(("protected:minor", f"born {g.birth_date}, no responsible party"))
    if g.date_of_death is not None and g.date_of_death <= as_of and not g.responsible_party_name:
        found.append(("protected:deceased", f"died {g.date_of_death}, no estate representative"))
    if g.bankruptcy_filed is not None and g.bankruptcy_filed <= as_of:
        found.append(("protected:bankruptcy", f"filed {g.bankruptcy_filed} (chapter {g.bankruptcy_chapter or '?'})"))
    if (rule is not None and g.household_income_cents is not None and g.household_size is not None
            and g.household_income_cents < rule.limit_cents(g.household_size)):
        found.append(("protected:income_exempt", f"income {g.household_income_cents} cents < "
                      f"{rule.limit_cents(g.household_size)} ({rule.pct} % of the {rule.year} guideline "
                      f"for {g.household_size})"))
    return found


# ------------------------------------------------------------------------------------ editing

PROTECTION_FIELDS = ("date_of_death", "responsible_party_name", "responsible_party_address", "bankruptcy_filed",
                     "bankruptcy_chapter", "bankruptcy_case", "household_income_cents", "household_size")
TEXT_LIMITS = {"responsible_party_name": 120, "responsible_party_address": 200, "bankruptcy_case": 40}
CHAPTERS = ("7", "11", "12", "13")


def _check(changes: dict[str, Any], as_of: dt.date) -> None:
    problems = []
    for name in changes:
        if name not in PROTECTION_FIELDS:
            problems.append(f"{name}: not a protection field")
    for name, limit in TEXT_LIMITS.items():
        value = changes.get(name)
        if value is not None and (not str(value).strip() or len(str(value)) > limit):
            problems.append(f"{name}: 1 to {limit} characters")
    for name in ("date_of_death", "bankruptcy_filed"):
        value = changes.get(name)
        if value is not None and value > as_of:
            problems.append(f"{name}: {value} is after the business date {as_of}")
    if changes.get("bankruptcy_chapter") not in (None, *CHAPTERS):
        problems.append(f"bankruptcy_chapter: one of {', '.join(CHAPTERS)}")
    if (changes.get("household_income_cents") or 0) < 0:
        problems.append("household_income: 0.00 or more")
    if changes.get("household_size") is not None and not 1 <= changes["household_size"] <= 99:
        problems.append("household_size: a whole number from 1 to 99")
    if problems:
        raise BadInput("; ".join(problems), field=problems[0].split(":")[0], problems=problems)


def set_protections(uow: UnitOfWork, actor: Actor, guarantor_id: int, changes: dict[str, Any],
                    as_of: dt.date) -> Guarantor:
    """Change a guarantor's protection facts (None clears one); audited with before and after."""
    require(actor, "supervisor", "change a guarantor's protections")
    _check(changes, as_of)
    g = uow.session.get(Guarantor, guarantor_id)
    if g is None:
        raise BadInput(f"guarantor: no guarantor with id {guarantor_id}", field="guarantor")
    before = {k: getattr(g, k) for k in changes}
    for name, value in changes.items():
        setattr(g, name, value)
    g.version += 1
    uow.session.add(g)
    uow.session.flush()
    audit.record(uow, actor.name, "guarantor.protections", "guarantor", [g.source_id], before, changes,
                 business_date=as_of)
    uow.commit()
    return g


def set_practice_rules(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, *,
                       wait_for_insurance: bool | None = None, income_threshold_pct: int | None = None,
                       clear_threshold: bool = False) -> Practice:
    """The practice's "wait for insurance" setting and income threshold (admins)."""
    require(actor, "admin", "change the practice's protection settings")
    if income_threshold_pct is not None and not 1 <= income_threshold_pct <= 1000:
        raise BadInput("income-threshold-pct: a whole percent from 1 to 1000", field="income_threshold_pct")
    p = uow.session.get(Practice, practice_id)
    if p is None:
        raise BadInput(f"practice: no practice with id {practice_id}", field="practice")
    before = {"wait_for_insurance": p.wait_for_insurance, "income_threshold_pct": p.income_threshold_pct}
    if wait_for_insurance is not None:
        p.wait_for_insurance = wait_for_insurance
    if income_threshold_pct is not None or clear_threshold:
        p.income_threshold_pct = income_threshold_pct
    p.version += 1
    uow.session.add(p)
    after = {"wait_for_insurance": p.wait_for_insurance, "income_threshold_pct": p.income_threshold_pct}
    audit.record(uow, actor.name, "practice.protections", "practice", [p.source_id], before, after,
                 business_date=as_of)
    uow.commit()
    return p


def set_guideline(uow: UnitOfWork, actor: Actor, year: int, base_cents: int, per_person_cents: int,
                  as_of: dt.date) -> PovertyGuideline:
    """Add or correct one year's poverty guideline (admins)."""
    require(actor, "admin", "change the poverty guidelines")
    problems = []
    if not 2000 <= year <= as_of.year + 1:
        problems.append(f"year: from 2000 to {as_of.year + 1}")
    if not 0 < base_cents < 10_000_000_00 or not 0 <= per_person_cents < 10_000_000_00:
        problems.append("amount: the base must be more than 0.00 and both less than 10,000,000.00")
    if problems:
        raise BadInput("; ".join(problems), field=problems[0].split(":")[0], problems=problems)
    row = uow.session.exec(select(PovertyGuideline).where(PovertyGuideline.year == year)).first()
    before = None if row is None else {"base": row.base_cents, "per_person": row.per_person_cents}
    row = row or PovertyGuideline(year=year, base_cents=0, per_person_cents=0)
    row.base_cents, row.per_person_cents = base_cents, per_person_cents
    uow.session.add(row)
    audit.record(uow, actor.name, "guideline.set", "poverty_guideline", [year], before,
                 {"base": base_cents, "per_person": per_person_cents}, business_date=as_of)
    uow.commit()
    return row


def guidelines(uow: UnitOfWork) -> list[PovertyGuideline]:
    return list(uow.session.exec(select(PovertyGuideline).order_by(col(PovertyGuideline.year))))
