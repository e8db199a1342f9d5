"""Tallies (SPEC 14): every batch says what it considered, what it took, and what it left out and why.

A batch opens a `Counter` in its own transaction, hands it the SELECT of its candidates (the
balances that met the workflow's own criteria on the business date) together with the SPEC 14
reasons of core.eligibility, and the counter records, in one INSERT ... SELECT, every candidate a
reason kept out, under the first reason that applies (the order explain reports them in). The
batch then names what it took (by rule, state or status) and the counter closes the tally:
considered = taken + left out. Nothing is counted in Python row by row.

Reading a tally (`recoup runs list|show`, the run summary on screen) needs only a viewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core import eca
from core.eligibility import Subject
from core.errors import BadInput, counted
from core.models.base import saved_id
from core.models.tallies import TALLY_KINDS, Tally
from core.security import Actor, require
from core.sql import as_date, q, widest
from core.uow import UnitOfWork

KIND_WORDS = {"precollections_add": "Add Pre-Collection Tasks", "external_run": "external collections run",
              "roster_populate": "roster populate", "letters_print": "letter print run",
              "agency_file": "agency file", "turnover": "roster turnover"}

# What one count of each kind of batch is (SPEC 14's "considered, taken, excluded by reason"): the
# thing the batch itself takes, so that considered = taken + left out holds in one unit. The
# external run places service lines (an account may have lines taken and lines left out), the
# roster and turnover move whole accounts, Pre-Collections lists encounters.
UNITS = {"precollections_add": ("encounter", "encounters"), "external_run": ("line", "lines"),
         "roster_populate": ("account", "accounts"), "letters_print": ("letter", "letters"),
         "agency_file": ("row", "rows"), "turnover": ("account", "accounts")}

CANDIDATE = Subject("c.encounter_id", "c.guarantor_id")  # what `Counter.exclude` asks the reasons about
ACCOUNT = Subject("NULL", "c.guarantor_id")  # a whole account: only its account holds and protections apply

REASON_WORDS = {"hold": "on hold", "protected": "protected guarantor", "insurance_open": "insurance still open",
                "other_workflow": "held by another workflow", "not_held": "no longer with the agency",
                **{code: f"501(r): {words}" for code, words in eca.REASONS.items()}}


def reason_words(code: str) -> str:
    """Plain words for a reason code: `hold:dispute` -> "on hold (dispute)"."""
    head, _, kind = code.partition(":")
    words = REASON_WORDS.get(head, code.replace("_", " "))
    return f"{words} ({kind.replace('_', ' ')})" if kind else words


@dataclass(frozen=True)
class Count:
    code: str
    count: int
    cents: int

    @property
    def words(self) -> str:
        return reason_words(self.code)


@dataclass(frozen=True)
class TallyView:
    id: int
    kind: str
    practice: str
    business_date: dt.date
    operator: str
    considered: int
    considered_cents: int
    taken: int
    taken_cents: int
    ref: str | None
    excluded: list[Count] = field(default_factory=list)
    groups: list[Count] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{KIND_WORDS[self.kind]}, practice {self.practice}, {self.business_date.isoformat()}"

    @property
    def unit(self) -> str:
        """What the tally counts, in the plural ("lines", "accounts"): see UNITS."""
        return UNITS[self.kind][1]

    def counted(self, n: int) -> str:
        """`n` in the tally's unit: "1 line", "6,564 lines"."""
        one, many = UNITS[self.kind]
        return counted(n, one, many)

    def reason(self, code: str) -> Count:
        for c in self.excluded:
            if c.code == code:
                return c
        raise BadInput(f"reason: run {self.id} left nothing out for '{code}' (its reasons: "
                       f"{', '.join(c.code for c in self.excluded) or 'none'})", field="reason")


@dataclass(frozen=True)
class LeftOut:
    """One account a reason kept out of a batch."""
    guarantor: str
    name: str
    encounter: str | None
    cents: int


class Counter:
    """One batch's tally, written in the batch's transaction."""

    def __init__(self, uow: UnitOfWork, kind: str, practice_id: int, as_of: dt.date, operator: str,
                 ref: str | None = None) -> None:
        if kind not in TALLY_KINDS:
            raise ValueError(f"tally kind {kind!r} is not one of {TALLY_KINDS}")
        self.uow = uow
        row = Tally(practice_id=practice_id, kind=kind, business_date=as_of, operator=operator,
                    created_at=uow.now(), ref=ref)
        uow.session.add(row)
        uow.session.flush()
        self.row = row
        self.id = saved_id(row)
        self.groups: dict[str, list[int]] = {}
        self.unlisted: dict[str, list[int]] = {}  # reasons counted without their accounts (`left`)

    def exclude(self, candidates: str, params: dict[str, Any], reasons: list[tuple[str, str]],
                where: str | None = None) -> None:
        """Record every candidate a reason keeps out. `candidates` is a SELECT giving
        guarantor_id, encounter_id (or NULL) and cents, read as alias `c`; `reasons` are
        core.eligibility's (code, SQL) pairs written over `c.guarantor_id` / `c.encounter_id`;
        `where` finds the candidates some reason applies to, so the pairs only name the reason of
        those (default: the pairs ORed; "1 = 1" when every candidate is known to be kept out)."""
        if not reasons:
            return
        first = " ".join(f"WHEN {sql} THEN '{code}'" for code, sql in reasons)
        where = where or " OR ".join(f"({sql})" for _code, sql in reasons)
        self.uow.session.execute(q(f"""
            INSERT INTO tally_account (tally_id, code, guarantor_id, encounter_id, cents)
            SELECT :tally_id, CASE {first} END, c.guarantor_id, c.encounter_id, c.cents
            FROM ({candidates}) c WHERE {where}""", {**params, "tally_id": self.id}))

    def exclude_accounts(self, candidates: str, lines: str, params: dict[str, Any],
                         reasons: list[tuple[str, str]]) -> None:
        """Record whole accounts: `candidates` gives guarantor_id and cents (alias c); each is
        kept out under the first reason (in `reasons`' order) found on any of its lines, the
        service lines l3 meeting `lines`. The reasons are written over l3 and ranked in one
        pass over the candidates' lines."""
        if not reasons:
            return
        rank = " ".join(f"WHEN {sql} THEN {i}" for i, (_code, sql) in enumerate(reasons, start=1))
        code = " ".join(f"WHEN {i} THEN '{c}'" for i, (c, _sql) in enumerate(reasons, start=1))
        # the candidates once, joined to their own lines by the guarantor index and ranked in the
        # same pass: a join of the candidates to the ranked accounts afterwards had no index on
        # either side (SQLite scanned one per row of the other, 2,351 x 2,351 rows, 0.23 s).
        # MATERIALIZED on PostgreSQL keeps that order: inlined, the planner could start from the
        # practice's delinquent lines instead and probe the work rows for each (125,000 lines to
        # find no candidate, 1.0 s at 100,000 guarantors and 6.8 s at 300,000, on tables it had no
        # statistics for yet — a new database, a night before autovacuum has been round).
        materialized = " MATERIALIZED" if self.uow.dialect == "postgresql" else ""
        self.uow.session.execute(q(f"""
            WITH c AS{materialized} ({candidates})
            INSERT INTO tally_account (tally_id, code, guarantor_id, encounter_id, cents)
            SELECT :tally_id, CASE r.pick {code} END, r.guarantor_id, NULL, r.cents
            FROM (SELECT cc.guarantor_id, MIN(cc.cents) AS cents, MIN(CASE {rank} END) AS pick
                  FROM c cc JOIN service_line l3 ON l3.guarantor_id = cc.guarantor_id
                  WHERE {lines} GROUP BY cc.guarantor_id) r
            WHERE r.pick IS NOT NULL""", {**params, "tally_id": self.id}))

    def left(self, code: str, count: int, cents: int, accounts: Sequence[tuple[int, int | None, int]] = ()) -> None:
        """What a reason kept out when the batch found it in Python (a file it compared): with
        `accounts` (guarantor id, encounter id or None, cents) they open from the tally like the
        others; without (rows naming nothing in this database), only the count and dollars."""
        if accounts:
            rows = [{"t": self.id, "code": code, "g": g, "e": e, "cents": c} for g, e, c in accounts]
            self.uow.session.execute(q("""INSERT INTO tally_account (tally_id, code, guarantor_id, encounter_id, cents)
                VALUES (:t, :code, :g, :e, :cents)""", widest(rows)), rows)
        elif count:
            got = self.unlisted.setdefault(code, [0, 0])
            got[0] += count
            got[1] += cents

    def took(self, code: str, count: int, cents: int) -> None:
        """What the batch took under one group (a rule, a state, a status); groups may repeat."""
        if count:
            got = self.groups.setdefault(code, [0, 0])
            got[0] += count
            got[1] += cents

    def finish(self, taken: tuple[int, int] | None = None) -> TallyView:
        """Close the tally: the reasons' counts, the groups taken, and the totals. `taken`
        defaults to the sum of the groups."""
        left: list[tuple[str, int, int]] = [(str(c), int(n), int(s)) for c, n, s in self.uow.session.execute(q(
            """SELECT code, COUNT(*), COALESCE(SUM(cents), 0) FROM tally_account WHERE tally_id = :t GROUP BY code""",
            {"t": self.id}))]
        left += [(c, n, s) for c, (n, s) in self.unlisted.items()]
        rows = [{"t": self.id, "side": "excluded", "code": c, "n": n, "cents": int(s)} for c, n, s in left]
        rows += [{"t": self.id, "side": "taken", "code": c, "n": n, "cents": s} for c, (n, s) in self.groups.items()]
        if rows:
            self.uow.session.execute(q("""INSERT INTO tally_count (tally_id, side, code, count, cents)
                VALUES (:t, :side, :code, :n, :cents)""", widest(rows)), rows)
        n, cents = taken if taken is not None else (sum(g[0] for g in self.groups.values()),
                                                   sum(g[1] for g in self.groups.values()))
        self.row.taken, self.row.taken_cents = n, cents
        self.row.considered = n + sum(r[1] for r in left)
        self.row.considered_cents = cents + sum(int(r[2]) for r in left)
        self.uow.session.add(self.row)
        self.uow.session.flush()
        return show(self.uow, None, self.id)


_SELECT = """SELECT t.id, t.kind, p.source_id, t.business_date, t.operator, t.considered,
    t.considered_cents, t.taken, t.taken_cents, t.ref FROM tally t JOIN practice p ON p.id = t.practice_id"""


def _view(row: Any, counts: list[Any] | None = None) -> TallyView:
    counts = counts or []
    by_side = {side: [Count(c, n, int(s)) for sd, c, n, s in counts if sd == side] for side in ("excluded", "taken")}
    day = as_date(row[3])
    assert day is not None
    excluded, groups = (sorted(by_side[side], key=lambda c: (-c.count, c.code)) for side in ("excluded", "taken"))
    return TallyView(row[0], row[1], row[2], day, row[4], row[5], int(row[6]), row[7], int(row[8]), row[9],
                     excluded, groups)


def show(uow: UnitOfWork, actor: Actor | None, tally_id: int) -> TallyView:
    """One tally with its reasons and groups. `actor` None: the batch reading its own tally."""
    if actor is not None:
        require(actor, "viewer", "see batch tallies")
    row = uow.session.execute(q(f"{_SELECT} WHERE t.id = :t", {"t": tally_id})).first()
    if row is None:
        raise BadInput(f"run: there is no batch run {tally_id}", field="run")
    counts = uow.session.execute(q("SELECT side, code, count, cents FROM tally_count WHERE tally_id = :t",
                                   {"t": tally_id})).all()
    return _view(row, list(counts))


def list_tallies(uow: UnitOfWork, actor: Actor, practice_id: int | None = None, kind: str | None = None,
                 limit: int = 50) -> list[TallyView]:
    """The latest batch runs, newest first (totals only)."""
    require(actor, "viewer", "see batch tallies")
    if kind is not None and kind not in TALLY_KINDS:
        raise BadInput(f"kind: '{kind}' is not a batch kind ({', '.join(TALLY_KINDS)})", field="kind")
    where = ["1 = 1"]
    if practice_id is not None:
        where.append("t.practice_id = :p")
    if kind is not None:
        where.append("t.kind = :k")
    rows = uow.session.execute(q(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY t.id DESC LIMIT :n",
                                 {"p": practice_id, "k": kind, "n": limit})).all()
    return [_view(r) for r in rows]


def latest(uow: UnitOfWork, practice_id: int, kind: str, before_id: int | None = None) -> TallyView | None:
    """The practice's latest tally of a kind (before `before_id`): the preview's "previous run"."""
    extra = " AND t.id < :b" if before_id is not None else ""
    found = uow.session.execute(q(f"SELECT MAX(t.id) FROM tally t WHERE t.practice_id = :p AND t.kind = :k{extra}",
                                  {"p": practice_id, "k": kind, "b": before_id})).scalar_one()
    return None if found is None else show(uow, None, int(found))


def left_out(uow: UnitOfWork, actor: Actor, tally_id: int, code: str, offset: int = 0,
             limit: int = 100) -> list[LeftOut]:
    """A page of the accounts one reason kept out of a batch, in the order it recorded them
    (served by the index on tally, code, id, so any page is one range read)."""
    require(actor, "viewer", "see batch tallies")
    rows = uow.session.execute(q("""SELECT g.source_id, g.name, e.source_id, a.cents FROM tally_account a
        JOIN guarantor g ON g.id = a.guarantor_id LEFT JOIN encounter e ON e.id = a.encounter_id
        WHERE a.tally_id = :t AND a.code = :c ORDER BY a.id LIMIT :n OFFSET :o""",
        {"t": tally_id, "c": code, "n": limit, "o": offset})).all()
    return [LeftOut(r[0], r[1], r[2], int(r[3])) for r in rows]


def as_dict(t: TallyView) -> dict[str, Any]:
    """The tally for --json and the preview: counts in cents."""
    def counts(cs: list[Count]) -> list[dict[str, Any]]:
        return [{"code": c.code, "words": c.words, "count": c.count, "cents": c.cents} for c in cs]
    return {"run": t.id, "kind": t.kind, "unit": t.unit, "practice": t.practice,
            "business_date": t.business_date.isoformat(), "operator": t.operator, "considered": t.considered,
            "considered_cents": t.considered_cents,
            "taken": t.taken, "taken_cents": t.taken_cents, "ref": t.ref,
            "excluded": counts(t.excluded), "taken_by": counts(t.groups)}
