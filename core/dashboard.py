"""The Collections Management dashboard (SPEC section 4, reference 001): read-side figures only.

Three totals (count and dollars of Pre-Collections, In Collections/Not Sent, In Collections/Sent)
and, for one chosen state, four breakdowns: days in state, balance aging, dunning level and
number of statements. Each panel is one set-based GROUP BY, one round trip (the totals; the four
breakdowns together, in one pass over the state's rows), the same SQL on SQLite and PostgreSQL;
bucket bounds are bound dates and integers, never dialect date arithmetic.

Dollars are the task's balance as the Pre-Collections list shows it (`BALANCE_SQL`: the
encounter's guarantor A/R plus its collections balance) — guarantor A/R while in Pre-Collections,
the collections balance once In Collections — so a number here always equals the sum of the list
it opens. Every bucket also carries the `TaskFilter` that opens exactly its rows on that list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.errors import BadInput
from core.models.ledger import Practice
from core.models.precollections import ON_LIST_STATES
from core.precollections_criteria import BALANCE_SQL, TaskFilter, age_cutoff, oldest_anchor_sql
from core.security import Actor, require
from core.sqltext import q
from core.states import STATE_LABELS
from core.uow import UnitOfWork

FROM = "FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id"


@dataclass(frozen=True)
class Figure:
    count: int
    cents: int


@dataclass(frozen=True)
class BucketDef:
    """One row of a breakdown: a label and inclusive bounds (None = open ended)."""
    key: str
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Bucket:
    key: str
    count: int
    cents: int


@dataclass(frozen=True)
class Breakdown:
    name: str  # days | aging | dunning | statements
    title: str
    buckets: list[Bucket]

    @property
    def total(self) -> Figure:
        return Figure(sum(b.count for b in self.buckets), sum(b.cents for b in self.buckets))

    def bucket(self, key: str) -> Bucket:
        return next(b for b in self.buckets if b.key == key)


@dataclass(frozen=True)
class Dashboard:
    practice_id: int
    as_of: dt.date
    computed_at: dt.datetime
    totals: dict[str, Figure]  # pre, not_sent, sent
    state: str  # the chosen type
    breakdowns: list[Breakdown]

    def breakdown(self, name: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.name == name)


AGE_BUCKETS = [BucketDef("0-30", None, 30), BucketDef("31-60", 31, 60), BucketDef("61-90", 61, 90),
               BucketDef("91-120", 91, 120), BucketDef("over 120", 121, None)]
LEVEL_BUCKETS = [BucketDef("0", None, 0), *(BucketDef(str(n), n, n) for n in range(1, 5)),
                 BucketDef("5+", 5, None)]
NO_BALANCE = "none"  # aging: on the list with no open guarantor line left (paid since it was added)
BREAKDOWNS = ("days", "aging", "dunning", "statements")
TITLES = {"days": "Days in state", "aging": "Aging", "dunning": "Dunning", "statements": "Statements"}


def _check_state(state: str) -> None:
    if state not in ON_LIST_STATES:
        raise BadInput(f"type: {state!r} is not pre, not_sent or sent", field="type")


def _practice(uow: UnitOfWork, practice_id: int) -> Practice:
    practice = uow.session.get(Practice, practice_id)
    if practice is None:
        raise BadInput(f"practice: no practice with id {practice_id}", field="practice")
    return practice


# ----------------------------------------------------------------------------------------- totals

def totals(uow: UnitOfWork, actor: Actor, practice_id: int) -> dict[str, Figure]:
    """Count and dollars of each list state: one GROUP BY."""
    require(actor, "viewer", "see the Collections Management dashboard")
    rows = uow.session.execute(q(f"SELECT t.state, COUNT(*), COALESCE(SUM({BALANCE_SQL}), 0) {FROM} "
                                 "WHERE t.practice_id = :p AND t.on_list = TRUE GROUP BY t.state", {"p": practice_id}))
    found = {s: Figure(int(n), int(c)) for s, n, c in rows}
    return {s: found.get(s, Figure(0, 0)) for s in ON_LIST_STATES}


# ------------------------------------------------------------------------------------- breakdowns

def _date_case(expr: str, defs: list[BucketDef], as_of: dt.date, params: dict[str, Any]) -> str:
    """CASE giving the bucket index of a day count as_of - expr, compared as dates (both dialects)."""
    whens = []
    for i, d in enumerate(defs[:-1]):
        assert d.high is not None
        params[f"c{i}"] = age_cutoff(as_of, d.high)  # days <= high  <=>  date >= as_of - high
        whens.append(f"WHEN {expr} >= :c{i} THEN {i}")
    return f"CASE {' '.join(whens)} ELSE {len(defs) - 1} END"


def _level_case(expr: str, defs: list[BucketDef]) -> str:
    whens = [f"WHEN {expr} <= {d.high} THEN {i}" for i, d in enumerate(defs[:-1])]
    return f"CASE {' '.join(whens)} ELSE {len(defs) - 1} END"


def _cases(basis: str, as_of: dt.date, params: dict[str, Any]) -> tuple[str, str]:
    """(the per-task values, the four CASEs over them giving each breakdown's bucket index)."""
    values = (f"t.state_date AS vd, {oldest_anchor_sql(basis)} AS va, e.dunning_count AS vn, "
              "e.statements_sent AS vs")
    days = _date_case("vd", AGE_BUCKETS, as_of, params)
    aging = f"CASE WHEN va IS NULL THEN {len(AGE_BUCKETS)} ELSE {_date_case('va', AGE_BUCKETS, as_of, params)} END"
    return values, ", ".join([days, aging, _level_case("vn", LEVEL_BUCKETS), _level_case("vs", LEVEL_BUCKETS)])


def breakdowns(uow: UnitOfWork, actor: Actor, practice_id: int, state: str, as_of: dt.date) -> list[Breakdown]:
    """The four breakdowns of the tasks in `state` in one pass: one GROUP BY over the four bucket
    indexes (at most 6x6x6x6 groups), added up per breakdown here. One read of the rows, not four."""
    require(actor, "viewer", "see the Collections Management dashboard")
    _check_state(state)
    practice = _practice(uow, practice_id)
    params: dict[str, Any] = {"p": practice_id, "s": state}
    values, cases = _cases(practice.aging_basis, as_of, params)
    # MATERIALIZED: computed once per task (a flattened subquery would run the oldest-line lookup in
    # every WHEN of every CASE); `on_list = TRUE` lets both databases seek the list index.
    rows = uow.session.execute(q(
        f"WITH x AS MATERIALIZED (SELECT {values}, {BALANCE_SQL} AS bal {FROM} WHERE t.practice_id = :p "
        f"AND t.on_list = TRUE AND t.state = :s) SELECT {cases}, COUNT(*), COALESCE(SUM(bal), 0) FROM x "
        "GROUP BY 1, 2, 3, 4", params))
    sums: list[dict[int, list[int]]] = [{} for _ in BREAKDOWNS]
    for row in rows:
        n, cents = int(row[4]), int(row[5])
        for part, index in zip(sums, row[:4]):
            acc = part.setdefault(int(index), [0, 0])
            acc[0] += n
            acc[1] += cents
    result = []
    for name, part in zip(BREAKDOWNS, sums):
        defs = AGE_BUCKETS if name in ("days", "aging") else LEVEL_BUCKETS
        buckets = [Bucket(d.key, *part.get(i, (0, 0))) for i, d in enumerate(defs)]
        if name == "aging" and len(defs) in part:
            buckets.append(Bucket(NO_BALANCE, *part[len(defs)]))
        result.append(Breakdown(name, TITLES[name], buckets))
    return result


def dashboard(uow: UnitOfWork, actor: Actor, practice_id: int, state: str, as_of: dt.date) -> Dashboard:
    """Everything the screen shows: the totals and the four breakdowns of `state` (two queries)."""
    _check_state(state)
    figures = totals(uow, actor, practice_id)
    return Dashboard(practice_id, as_of, uow.now(), figures, state, breakdowns(uow, actor, practice_id, state, as_of))


# ----------------------------------------------------------------------------- opening the list

def bucket_filter(state: str, name: str | None = None, key: str | None = None) -> TaskFilter:
    """The Pre-Collections list filter showing exactly the tasks behind one number of the dashboard:
    a total (name None) or one bucket of a breakdown."""
    _check_state(state)
    filt = TaskFilter(states=(state,))
    if name is None or key is None:
        return filt
    if name == "aging" and key == NO_BALANCE:
        return dataclasses.replace(filt, age_none=True)
    defs = AGE_BUCKETS if name in ("days", "aging") else LEVEL_BUCKETS
    d = next((d for d in defs if d.key == key), None)
    if d is None or name not in BREAKDOWNS:
        raise BadInput(f"bucket: no {key!r} in breakdown {name!r}", field="bucket")
    fields = {"days": ("days_min", "days_max"), "aging": ("age_min", "age_max"),
              "dunning": ("dunning_min", "dunning_max"), "statements": ("statements_min", "statements_max")}[name]
    return dataclasses.replace(filt, **{fields[0]: d.low, fields[1]: d.high})


def describe(state: str, name: str | None = None, key: str | None = None) -> str:
    """Words for a number: "Pre-Collections, aging 31-60 days"."""
    text = STATE_LABELS[state]
    if name is None or key is None:
        return text
    if name == "aging" and key == NO_BALANCE:
        return f"{text}, no open balance"
    unit = {"days": " days in state", "aging": " days old", "dunning": " dunning", "statements": " statements"}[name]
    return f"{text}, {key}{unit}"
