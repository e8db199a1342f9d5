"""The criteria of "Add Pre-Collection Tasks" and of the list's filter panel, as SQL and as Explain.

A list build is one set-based statement over the encounters; the same criteria, stored with the
build, are evaluated for a single encounter to explain why it is or is not on the list. Both read
the criteria from here, so the explanation always matches what the build did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from core.eligibility import (
    Rules,
    age_cutoff,
    age_in_days,
    aging_anchor,
    collectable,
    free_for,
    of_encounter,
    open_guarantor_line,
)
from core.errors import BadInput
from core.limits import COUNT, DAYS, Limit
from core.money import MAX_CENTS, OUT_OF_RANGE

# What makes an encounter's guarantor line "open" (over line l of encounter e): guarantor balance
# still owed, counting what is already in collections (a task follows its encounter there).
OPEN_LINE_SQL = f"l.encounter_id = e.id AND {open_guarantor_line('l', counting_collections=True)}"


@dataclass(frozen=True)
class Criteria:
    """Add Pre-Collection Tasks: every field optional, combined with AND. Money in cents."""
    guarantor_balance_min: int | None = None
    guarantor_balance_max: int | None = None
    encounter_balance_min: int | None = None
    encounter_balance_max: int | None = None
    age_min: int | None = None
    dunning_min: int | None = None
    statement_profile: str | None = None
    encounter: str | None = None  # an encounter number (the practice system's id)
    guarantor: str | None = None  # a guarantor id (the practice system's id)
    balance_for: str | None = None  # "patient" or "employer"; None: the practice's default
    separate_by: str = "encounter"

    def __post_init__(self) -> None:
        check_limits(self)  # a form or flag out of range is refused where it is made, naming the field

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Criteria:
        return cls(**json.loads(text))

    def check(self) -> None:
        """Refuse what cannot be built, naming the field."""
        check_limits(self)
        _check_range(self.guarantor_balance_min, self.guarantor_balance_max, "guarantor-balance")
        _check_range(self.encounter_balance_min, self.encounter_balance_max, "encounter-balance")
        if self.balance_for not in (None, "patient", "employer"):
            raise BadInput(f"balance-for: {self.balance_for!r} is not patient or employer", field="balance_for")
        if self.separate_by != "encounter":
            raise BadInput("separate-by: must be Encounter to run the collections process", field="separate_by")


@dataclass(frozen=True)
class TaskFilter:
    """The filter panel: narrows what is displayed (and what Select All selects), never the list."""
    states: tuple[str, ...] = ("pre", "not_sent", "sent")
    guarantor_balance_min: int | None = None
    guarantor_balance_max: int | None = None
    balance_min: int | None = None  # the task's balance (A/R before collections, then collections)
    balance_max: int | None = None
    escrow_min: int | None = None
    age_min: int | None = None
    dunning_min: int | None = None
    statement_profile: str | None = None
    guarantor: str | None = None
    action: str | None = None
    # narrower bounds, so a number on the Collections Management dashboard opens exactly its rows
    age_max: int | None = None  # balance age <= N days (encounters with an open guarantor line)
    age_none: bool = False  # no open guarantor line left (paid to zero while on the list)
    days_min: int | None = None  # days in the current state >= N
    days_max: int | None = None
    dunning_max: int | None = None
    statements_min: int | None = None  # statements sent for the encounter
    statements_max: int | None = None

    def __post_init__(self) -> None:
        check_limits(self)


# The range of each number a criterion or filter may hold: beyond it the build would overflow the
# database or the calendar. Forms and the command line both end here (the command line also
# checks its flags first, with the same limits).
LIMITS: dict[str, Limit] = {"age_min": DAYS, "age_max": DAYS, "days_min": DAYS, "days_max": DAYS,
                            "dunning_min": COUNT, "dunning_max": COUNT,
                            "statements_min": COUNT, "statements_max": COUNT}
MONEY_FIELDS = ("guarantor_balance_min", "guarantor_balance_max", "encounter_balance_min", "encounter_balance_max",
                "balance_min", "balance_max", "escrow_min")


def check_limits(values: Criteria | TaskFilter) -> None:
    """Every number of a build's criteria or the filter within its range, naming the field."""
    for name, limit in LIMITS.items():
        limit.check(getattr(values, name, None), name)
    for name in MONEY_FIELDS:
        cents = getattr(values, name, None)
        if cents is not None and not -MAX_CENTS <= cents <= MAX_CENTS:
            raise BadInput(f"{name.replace('_', '-')}: {OUT_OF_RANGE}", field=name, reason=OUT_OF_RANGE)


def _check_range(low: int | None, high: int | None, name: str) -> None:
    if low is not None and high is not None and low > high:
        raise BadInput(f"{name}-min is more than {name}-max", field=f"{name}_min")


def age_exists_sql(basis: str, rules: Rules | None = None) -> str:
    anchor = aging_anchor(basis, "l", rules)
    return f"EXISTS (SELECT 1 FROM service_line l WHERE {OPEN_LINE_SQL} AND {anchor} <= :age_cutoff)"


def oldest_anchor_sql(basis: str, rules: Rules | None = None) -> str:
    """The aging anchor of the encounter's oldest open guarantor line (its age is as_of minus it);
    with `rules` (their params added by the caller), moved forward by the days held, as the build ages it."""
    return f"(SELECT MIN({aging_anchor(basis, 'l', rules)}) FROM service_line l WHERE {OPEN_LINE_SQL})"


def qualifies_sql(rules: Rules | None = None, spec14: bool = True) -> list[str]:
    """The rules every list entry must meet whatever the criteria (over encounter e, guarantor g);
    with `rules`, also nothing SPEC 14 forbids on the business date (holds, protections, insurance)
    unless `spec14` is False (the tally's candidates, which it then sorts by reason)."""
    return ["e.ar_cents > 0", "g.kind = :balance_kind", *free_for("precollections", of_encounter("e")),
            *(spec14_sql(rules) if rules and spec14 else [])]


def spec14_sql(rules: Rules) -> list[str]:
    """SPEC 14's conditions (core.eligibility) a list entry, encounter e, must meet besides the
    criteria: nothing held, protected or waiting for insurance."""
    return collectable("precollections", of_encounter("e"), rules)


def _bind(values: Any, rules: tuple[tuple[str, str, str], ...], where: list[str],
             params: dict[str, Any]) -> None:
    """For each (field, SQL expression, operator) whose value is given, add the bound condition."""
    for field, expr, op in rules:
        value = getattr(values, field)
        if value is not None:
            where.append(f"{expr} {op} :{field}")
            params[field] = value


def matching_sql(c: Criteria, basis: str, as_of: dt.date, ids: dict[str, int | None],
                 kind: str, rules: Rules | None = None, spec14: bool = True) -> tuple[str, dict[str, Any]]:
    """FROM ... WHERE ... over encounter e and guarantor g selecting every encounter of practice :p
    the build takes (prefix it with SELECT), and its parameters (`spec14`: see qualifies_sql)."""
    where = ["e.practice_id = :p", *qualifies_sql(rules, spec14)]
    params: dict[str, Any] = {"balance_kind": kind, **(rules.params() if rules else {})}
    _bind(c, (("guarantor_balance_min", "g.ar_cents", ">="),
              ("guarantor_balance_max", "g.ar_cents", "<="),
              ("encounter_balance_min", "e.ar_cents", ">="),
              ("encounter_balance_max", "e.ar_cents", "<="),
              ("dunning_min", "e.dunning_count", ">="),
              ("statement_profile", "e.statement_profile", "=")), where, params)
    if c.age_min is not None:
        where.append(age_exists_sql(basis, rules))
        params["age_cutoff"] = age_cutoff(as_of, c.age_min)
    if c.encounter is not None:
        where.append("e.id = :encounter_id")
        params["encounter_id"] = ids["encounter"]
    if c.guarantor is not None:
        where.append("g.id = :guarantor_id")
        params["guarantor_id"] = ids["guarantor"]
    sql = f"FROM encounter e JOIN guarantor g ON g.id = e.guarantor_id WHERE {' AND '.join(where)}"
    return sql, params


BALANCE_SQL = "(e.ar_cents + e.collections_cents)"


def filter_sql(f: TaskFilter, basis: str, as_of: dt.date, guarantor_id: int | None) -> tuple[str, dict[str, Any]]:
    """WHERE conditions over task t, encounter e, guarantor g for the filter panel."""
    where = ["t.practice_id = :p", "t.on_list", "t.state IN :states"]
    params: dict[str, Any] = {"states": list(f.states)}
    _bind(f, (("guarantor_balance_min", "g.ar_cents", ">="),
              ("guarantor_balance_max", "g.ar_cents", "<="),
              ("balance_min", BALANCE_SQL, ">="), ("balance_max", BALANCE_SQL, "<="),
              ("escrow_min", "g.escrow_cents", ">="),
              ("dunning_min", "e.dunning_count", ">="),
              ("statement_profile", "e.statement_profile", "="),
              ("action", "t.action", "=")), where, params)
    if f.age_min is not None:
        where.append(age_exists_sql(basis))
        params["age_cutoff"] = age_cutoff(as_of, f.age_min)
    if f.guarantor is not None:
        where.append("t.guarantor_id = :guarantor_id")
        params["guarantor_id"] = guarantor_id
    _narrow(f, basis, as_of, where, params)
    return " AND ".join(where), params


def _narrow(f: TaskFilter, basis: str, as_of: dt.date, where: list[str], params: dict[str, Any]) -> None:
    """The dashboard's bucket bounds (days in state, age at most, dunning and statement ranges)."""
    _bind(f, (("dunning_max", "e.dunning_count", "<="),
              ("statements_min", "e.statements_sent", ">="),
              ("statements_max", "e.statements_sent", "<=")), where, params)
    if f.age_max is not None:  # age <= N  <=>  the oldest open line's anchor is on or after as_of - N
        where.append(f"{oldest_anchor_sql(basis)} >= :age_max_cutoff")
        params["age_max_cutoff"] = age_cutoff(as_of, f.age_max)
    if f.age_none:
        where.append(f"NOT EXISTS (SELECT 1 FROM service_line l WHERE {OPEN_LINE_SQL})")
    if f.days_min is not None:  # days in state >= N  <=>  entered on or before as_of - N
        where.append("t.state_date <= :days_min_date")
        params["days_min_date"] = age_cutoff(as_of, f.days_min)
    if f.days_max is not None:
        where.append("t.state_date >= :days_max_date")
        params["days_max_date"] = age_cutoff(as_of, f.days_max)


@dataclass(frozen=True)
class Check:
    """One line of Explain: a criterion, the encounter's actual value, the threshold, pass/fail."""
    criterion: str
    actual: Any
    threshold: Any
    passed: bool


def explain_checks(c: Criteria | None, facts: dict[str, Any], kind: str, as_of: dt.date) -> list[Check]:
    """Evaluate the build's criteria against one encounter's facts (money stays in cents here)."""
    age = age_in_days(as_of, facts["oldest_anchor"])
    checks = [Check("encounter balance in A/R (guarantor responsibility) > 0", facts["ar"], 0, facts["ar"] > 0),
              Check("not already in collections (collections balance = 0)", facts["collections"], 0,
                    facts["collections"] == 0),
              Check("collections balance for", facts["kind"], kind, facts["kind"] == kind)]
    if c is None:
        return checks
    for field, label, actual, op in (
            ("guarantor_balance_min", "guarantor balance >=", facts["guarantor_ar"], ">="),
            ("guarantor_balance_max", "guarantor balance <=", facts["guarantor_ar"], "<="),
            ("encounter_balance_min", "encounter balance >=", facts["ar"], ">="),
            ("encounter_balance_max", "encounter balance <=", facts["ar"], "<="),
            ("age_min", "balance age (days) >=", age, ">="),
            ("dunning_min", "dunning (message count) >=", facts["dunning"], ">="),
            ("statement_profile", "statement profile =", facts["statement_profile"], "="),
            ("encounter", "encounter =", facts["encounter"], "="),
            ("guarantor", "guarantor =", facts["guarantor"], "=")):
        threshold = getattr(c, field)
        if threshold is not None:
            checks.append(Check(label, actual, threshold, _compare(actual, op, threshold)))
    return checks


def _compare(actual: Any, op: str, threshold: Any) -> bool:
    if actual is None:
        return False
    if op == ">=":
        return bool(actual >= threshold)
    if op == "<=":
        return bool(actual <= threshold)
    return bool(actual == threshold)
