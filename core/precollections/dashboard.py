"""The Collections Management dashboard (SPEC section 4, reference 001): read-side figures only.

Three totals (count and dollars of Pre-Collections, In Collections/Not Sent, In Collections/Sent)
and, for one chosen state, four breakdowns: days in state, balance aging, dunning level and
number of statements. The whole dashboard is one set-based statement, one round trip, reading
each list row once: the chosen state's tasks grouped by one integer packing their four bucket
indexes (its total is their sum), UNION ALL the two other states grouped by state. The same SQL
on SQLite and PostgreSQL; bucket bounds are bound dates and integers, never dialect date arithmetic.

As of an earlier business date (before the practice's latest Pre-Collections run), each task counts
in the state it was in on that date, rebuilt from its history: its latest history row dated on or
before it (the row `recoup verify` holds the task's state to), with days in state counted from that
row's date. Balances, aging, dunning and statements are the encounter's as they are now: the list
keeps no balance by date. On or after the latest run, the states on the list are those states, and
the dashboard reads the list alone.

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

from core.eligibility import age_cutoff, aging_anchor
from core.errors import BadInput
from core.models.precollections import ON_LIST_STATES
from core.practices import practice_by_id
from core.precollections.criteria import BALANCE_SQL, OPEN_LINE_SQL, TaskFilter
from core.precollections.states import STATE_LABELS
from core.runs import latest_business_date
from core.security import Actor, require
from core.sql import q
from core.uow import UnitOfWork

FROM = "FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id"
# The state each task was in on :as_of: its latest history row of a run dated on or before it. Found
# through the practice's runs (their index) and the history's run index, one GROUP BY, no row by row.
AS_OF_FROM = """FROM (SELECT h.task_id, MAX(h.id) AS hid FROM precollection_run r
                      JOIN precollection_history h ON h.run_id = r.id
                      WHERE r.practice_id = :p AND r.business_date <= :as_of AND h.business_date <= :as_of
                      GROUP BY h.task_id) lh
     JOIN precollection_history h ON h.id = lh.hid
     JOIN precollection_task t ON t.id = h.task_id JOIN encounter e ON e.id = t.encounter_id"""
ON_LIST = ", ".join(f"'{s}'" for s in ON_LIST_STATES)


@dataclass(frozen=True)
class Source:
    """Where the figures read each task's state and the date it entered it: the list itself (now)
    or the history as of an earlier date."""
    from_sql: str
    state: str
    since: str
    on_list: str  # the condition "the task is on the list" in this source

    @classmethod
    def of(cls, history: bool) -> Source:
        if history:
            return cls(AS_OF_FROM, "h.to_state", "h.business_date", f"h.to_state IN ({ON_LIST})")
        # `on_list = TRUE` (not bare `on_list`) lets both databases seek the list index on it.
        return cls(FROM, "t.state", "t.state_date",
                   "t.practice_id = :p AND t.on_list = TRUE AND t.state_date <= :as_of")


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


# ----------------------------------------------------------------------------------------- totals

def totals(uow: UnitOfWork, actor: Actor, practice_id: int) -> dict[str, Figure]:
    """Count and dollars of each list state: one GROUP BY."""
    require(actor, "viewer", "see the Collections Management dashboard")
    rows = uow.session.execute(q(f"SELECT t.state, COUNT(*), COALESCE(SUM({BALANCE_SQL}), 0) {FROM} "
                                 "WHERE t.practice_id = :p AND t.on_list = TRUE GROUP BY t.state", {"p": practice_id}))
    found = {s: Figure(int(n), int(c)) for s, n, c in rows}
    return {s: found.get(s, Figure(0, 0)) for s in ON_LIST_STATES}


# ------------------------------------------------------------------------------------- breakdowns

RADIX = 6  # every breakdown has at most six bucket indexes (aging: five ages + NO_BALANCE)
assert len(AGE_BUCKETS) + 1 <= RADIX and len(LEVEL_BUCKETS) <= RADIX


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


def _aging_sql(basis: str, as_of: dt.date, params: dict[str, Any]) -> str:
    """The task's aging bucket index, worked out inside the lookup of its oldest open guarantor line
    (MIN is computed once however often the CASE names it), so the outer query never repeats it."""
    oldest = f"MIN({aging_anchor(basis)})"
    return (f"(SELECT CASE WHEN {oldest} IS NULL THEN {len(AGE_BUCKETS)} ELSE "
            f"{_date_case(oldest, AGE_BUCKETS, as_of, params)} END FROM service_line l WHERE {OPEN_LINE_SQL})")


def _key_sql(basis: str, as_of: dt.date, params: dict[str, Any], since: str) -> str:
    """One integer per task naming its four bucket indexes in base RADIX (days, aging, dunning,
    statements): grouping by one integer sorts far less than grouping by four CASEs."""
    parts = [_date_case(since, AGE_BUCKETS, as_of, params), _aging_sql(basis, as_of, params),
             _level_case("e.dunning_count", LEVEL_BUCKETS), _level_case("e.statements_sent", LEVEL_BUCKETS)]
    return " + ".join(f"({part}) * {RADIX ** (len(parts) - 1 - i)}" for i, part in enumerate(parts))


def _figures_sql(basis: str, as_of: dt.date, params: dict[str, Any], others: bool, history: bool = False) -> str:
    """Rows (state, key, count, cents): the tasks of state :s grouped by key; with `others`, also
    one row per other list state (key -1) — the totals, in the same statement (one snapshot).
    Without `history` the states are the list's own (every task that entered its state by `as_of`);
    with it, each task's state on `as_of` rebuilt from its history (see the module docstring)."""
    params["as_of"] = as_of
    src = Source.of(history)
    chosen = (f"SELECT {src.state}, {_key_sql(basis, as_of, params, src.since)} AS k, COUNT(*), "
              f"COALESCE(SUM({BALANCE_SQL}), 0) {src.from_sql} WHERE {src.on_list} AND {src.state} = :s "
              f"GROUP BY {src.state}, k")
    if not others:
        return chosen
    return (f"{chosen} UNION ALL SELECT {src.state}, -1, COUNT(*), COALESCE(SUM({BALANCE_SQL}), 0) {src.from_sql} "
            f"WHERE {src.on_list} AND {src.state} <> :s GROUP BY {src.state}")


def _rebuilt(uow: UnitOfWork, practice_id: int, as_of: dt.date) -> bool:
    """Whether `as_of` is before the practice's latest Pre-Collections run, so the states on the
    list may have changed since and must be rebuilt from history (a read of the runs' index)."""
    latest = latest_business_date(uow, "precollection_run", "practice_id = :p", {"p": practice_id})
    return latest is not None and as_of < latest


def _figures(uow: UnitOfWork, practice_id: int, state: str, as_of: dt.date,
             others: bool) -> list[tuple[str, int, int, int]]:
    """Run `_figures_sql` for the practice's aging basis: one round trip (and one for the date)."""
    practice = practice_by_id(uow, practice_id)
    params: dict[str, Any] = {"p": practice_id, "s": state}
    sql = _figures_sql(practice.aging_basis, as_of, params, others, _rebuilt(uow, practice_id, as_of))
    return [(str(s), int(k), int(n), int(c)) for s, k, n, c in uow.session.execute(q(sql, params))]


def _breakdowns(rows: list[tuple[str, int, int, int]]) -> list[Breakdown]:
    """Add the (key, count, cents) groups of the chosen state up per breakdown and bucket."""
    sums: list[dict[int, list[int]]] = [{} for _ in BREAKDOWNS]
    for _state, key, n, cents in rows:
        for place, part in enumerate(sums):
            acc = part.setdefault(key // RADIX ** (len(sums) - 1 - place) % RADIX, [0, 0])
            acc[0] += n
            acc[1] += cents
    result = []
    for name, part in zip(BREAKDOWNS, sums, strict=True):
        defs = AGE_BUCKETS if name in ("days", "aging") else LEVEL_BUCKETS
        buckets = [Bucket(d.key, *part.get(i, (0, 0))) for i, d in enumerate(defs)]
        if name == "aging" and len(defs) in part:
            buckets.append(Bucket(NO_BALANCE, *part[len(defs)]))
        result.append(Breakdown(name, TITLES[name], buckets))
    return result


def breakdowns(uow: UnitOfWork, actor: Actor, practice_id: int, state: str, as_of: dt.date) -> list[Breakdown]:
    """The four breakdowns of the tasks in `state` in one pass: one GROUP BY over one integer key
    packing the four bucket indexes (at most 6x6x6x6 groups), added up per breakdown here."""
    require(actor, "viewer", "see the Collections Management dashboard")
    _check_state(state)
    return _breakdowns(_figures(uow, practice_id, state, as_of, others=False))


def dashboard(uow: UnitOfWork, actor: Actor, practice_id: int, state: str, as_of: dt.date) -> Dashboard:
    """Everything the screen shows in one statement: the breakdowns of `state`, whose sum is its
    total, and the totals of the two other states — each list row read once, from one snapshot."""
    require(actor, "viewer", "see the Collections Management dashboard")
    _check_state(state)
    rows = _figures(uow, practice_id, state, as_of, others=True)
    parts = _breakdowns([r for r in rows if r[1] >= 0])
    figures = {s: Figure(n, c) for s, k, n, c in rows if k < 0}
    figures[state] = parts[0].total
    return Dashboard(practice_id, as_of, uow.now(), {s: figures.get(s, Figure(0, 0)) for s in ON_LIST_STATES},
                     state, parts)


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
    bounds: dict[str, Any] = {fields[0]: d.low, fields[1]: d.high}  # field names known only at run time
    return dataclasses.replace(filt, **bounds)


def describe(state: str, name: str | None = None, key: str | None = None) -> str:
    """Words for a number: "Pre-Collections, aging 31-60 days"."""
    text = STATE_LABELS[state]
    if name is None or key is None:
        return text
    if name == "aging" and key == NO_BALANCE:
        return f"{text}, no open balance"
    unit = {"days": " days in state", "aging": " days old", "dunning": " dunning", "statements": " statements"}[name]
    return f"{text}, {key}{unit}"
