"""Which balances a collections workflow may take, written once for all three (SPEC 2).

Three rules cut across Pre-Collections, external collections and the patient roster, and each
must mean the same thing wherever it is used (list builds, nightly runs, populate, the
dashboards, Explain, `recoup verify`):

- the aging anchor: the date a guarantor balance ages from, per the practice's aging basis;
- the open guarantor line: guarantor responsibility with a balance still owed;
- one balance, one workflow: which workflow holds a line, and so which others must leave it alone.

Everything here is SQL text over caller-chosen aliases, so a batch statement stays one set-based
statement: each hold is one EXISTS (or JOIN) on the holder's own index. A new cross-workflow
rule (for example SPEC 14's holds) belongs in this module, and every workflow picks it up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Literal

from core import eca
from core.holds import any_hold_sql, held_days_sql
from core.models.holds import HOLD_KINDS
from core.models.ledger import AGING_BASES, Practice
from core.protections import (
    AGENCY_ONLY,
    PROTECTIONS,
    IncomeRule,
    income_rule,
    insurance_open_sql,
    protected_sql,
    protection_params,
)
from core.sql import q
from core.uow import UnitOfWork

# --------------------------------------------------------------------------------------- aging



def aging_anchor(basis: str, line: str = "l", rules: Rules | None = None) -> str:
    """SQL for the date line `line`'s guarantor balance ages from; its age is as_of minus it.

    Every age test is written against this anchor (age >= N <=> anchor <= as_of - N, see
    `age_cutoff`), so the anchor is the one place age is defined. With `rules`, the anchor moves
    forward by the days the line was held since (SPEC 14: held days do not age), so every list,
    run and dashboard ages it correctly without changing its comparison.
    """
    if basis == "acct":
        return held_forward(f"{line}.posted_date", line, rules)
    if basis == "patient":
        return held_forward(f"COALESCE({line}.responsibility_date, {line}.posted_date)", line, rules)
    raise ValueError(f"aging basis {basis!r} is not one of {AGING_BASES}")


def held_forward(anchor: str, line: str, rules: Rules | None) -> str:
    """`anchor` moved forward by the days held after it, up to the business date (SPEC 18.1).

    Only lines whose guarantor has a hold begun by the date pay for counting; without holds in
    the practice the anchor is returned as it is. Rules read for one account (`Rules.guarantor_id`,
    explain) count its few lines' held days directly, on the hold index by guarantor, instead of
    first reading the set of every held guarantor of the practice.
    """
    if rules is None or not rules.any_holds:
        return anchor
    days = held_days_sql(rules.dialect, anchor, line, ":el_d")
    if rules.dialect == "postgresql":
        shifted = f"(CAST({anchor} AS DATE) + CAST({days} AS INTEGER))"
    else:
        shifted = f"date({anchor}, '+' || {days} || ' days')"
    if rules.guarantor_id is not None:
        return shifted
    return f"(CASE WHEN {any_hold_sql(line, ':el_d')} THEN {shifted} ELSE {anchor} END)"


def age_cutoff(as_of: dt.date, days: int) -> dt.date:
    """Age >= N days  <=>  the anchor is on or before as_of - N (dates compare alike on both databases)."""
    return as_of - dt.timedelta(days=days)


def age_in_days(as_of: dt.date, anchor: dt.date | None) -> int | None:
    """The age on the business date of a balance whose anchor (read from `aging_anchor`) is
    given; None when there is no open balance to age."""
    return None if anchor is None else (as_of - anchor).days


# --------------------------------------------------------------------------- open guarantor line

def open_guarantor_line(line: str = "l", *, counting_collections: bool = False) -> str:
    """SQL: line `line` is a guarantor-responsibility balance still owed.

    With `counting_collections` a balance already moved to collections still counts as open
    (Pre-Collections follows its encounters through collections; the text matches the partial
    index ix_service_line_open_guarantor, so keep it as it is); without, only A/R counts (what
    the roster and the external run may still take).
    """
    owed = f"{line}.ar_cents + {line}.collections_cents" if counting_collections else f"{line}.ar_cents"
    return f"{line}.responsibility = 'guarantor' AND {owed} > 0"


# ------------------------------------------------------------------ one balance, one workflow

Workflow = Literal["precollections", "external", "roster"]
WORKFLOWS: tuple[Workflow, ...] = ("precollections", "external", "roster")


@dataclass(frozen=True)
class Subject:
    """What a hold is asked about, by the SQL expressions of its ids: a service line, or a whole
    encounter (line None: held when any of its lines is). `balance` is the alias whose
    collections_cents is the subject's own collections balance."""
    encounter: str
    guarantor: str
    line: str | None = None
    balance: str | None = None
    encounter_row: str | None = None  # the alias of the subject's encounter row, when the statement has it


    def ids(self) -> dict[str, str | None]:
        return {"line": self.line, "encounter": self.encounter, "guarantor": self.guarantor}

    def whole_encounter(self) -> Subject:
        """The subject's encounter: held when any line of it is held."""
        return Subject(self.encounter, self.guarantor)


def of_line(alias: str = "l") -> Subject:
    """A service line row `alias`."""
    return Subject(f"{alias}.encounter_id", f"{alias}.guarantor_id", f"{alias}.id", alias)


def of_encounter(alias: str = "e") -> Subject:
    """An encounter row `alias` (Pre-Collections' grain)."""
    return Subject(f"{alias}.id", f"{alias}.guarantor_id", None, alias, alias)


@dataclass(frozen=True)
class Holder:
    """How one workflow holds balances: a row of `table` (alias `alias`) keyed by the subject's id
    of the finest grain it records, in the state `holding`. `in_collections` is the state in
    which the balance it holds sits in collections (moved there by this workflow)."""
    table: str
    alias: str
    keys: tuple[tuple[str, str], ...]  # (grain, column), finest first: the first the subject has is used
    holding: str
    in_collections: str


HOLDERS: dict[Workflow, Holder] = {
    # every line of an encounter with a task on the list (pre, not sent, sent)
    "precollections": Holder("precollection_task", "pt", (("encounter", "encounter_id"),), "pt.on_list = TRUE",
                           "pt.state IN ('not_sent', 'sent', 'withdrawn')"),
    # a line pending, posted or filed with an agency; an encounter when any of its lines is
    "external": Holder("external_placement", "xp", (("line", "line_id"), ("encounter", "encounter_id")),
                     "xp.active = TRUE", "xp.state IN ('posted', 'filed')"),
    # every line of an account the roster turned over to its agency
    "roster": Holder("roster_account", "ra", (("guarantor", "guarantor_id"),), "ra.turned_over = TRUE",
                   "ra.turned_over = TRUE"),
}


def _match(hold: Holder, subject: Subject) -> str:
    ids = subject.ids()
    for grain, column in hold.keys:
        if ids[grain] is not None:
            return f"{hold.alias}.{column} = {ids[grain]}"
    raise ValueError(f"{hold.table} cannot be matched to {subject}")


def held_by(workflow: Workflow, subject: Subject) -> str:
    """SQL: `workflow` holds the subject now (one EXISTS on the holder's index)."""
    h = HOLDERS[workflow]
    return f"EXISTS (SELECT 1 FROM {h.table} {h.alias} WHERE {_match(h, subject)} AND {h.holding})"


def join_holder(workflow: Workflow, subject: Subject) -> str:
    """JOIN clause bringing in `workflow`'s holding row of the subject (alias HOLDERS[workflow].alias),
    for a query that compares two holders' rows (`recoup verify`)."""
    h = HOLDERS[workflow]
    return f"JOIN {h.table} {h.alias} ON {_match(h, subject)} AND {h.holding}"


def moved_to_collections_by(workflow: Workflow, subject: Subject) -> str:
    """SQL: `workflow` is the one that put the subject's balance in collections."""
    h = HOLDERS[workflow]
    return f"EXISTS (SELECT 1 FROM {h.table} {h.alias} WHERE {_match(h, subject)} AND {h.in_collections})"


def free_for(me: Workflow, subject: Subject) -> list[str]:
    """Conditions (ANDed) that keep out of workflow `me` a subject another workflow holds:
    nothing of it already in collections, and no other workflow holding it. A workflow's own
    hold is not an exclusion (it decides for itself what it takes again)."""
    if subject.balance is None:
        raise ValueError("free_for needs the subject's balance alias")
    return [f"{subject.balance}.collections_cents = 0",
            *(f"NOT {held_by(w, subject)}" for w in WORKFLOWS if w != me)]


# ------------------------------------------------------------- holds, protections, insurance (SPEC 14)
# A batch builds `Rules` once for its practice and business date and hands them to the SQL builders
# above (`aging_anchor`, `free_for`); their parameters (all named el_*) join the statement's.

@dataclass(frozen=True)
class Rules:
    """What every workflow must respect on a business date, beyond its own criteria.

    `any_holds` is False when the practice has no hold begun by the date: the statements then
    carry no hold SQL at all, so a practice that uses no holds pays nothing for them. With
    `guarantor_id` the rules are read for that one account (explain): `any_holds` is then about
    its holds only, and its statements must read nothing but that account's lines.
    `hold_kinds` are the kinds of those holds: a tally names only kinds that can apply (asking
    each line about eight kinds, seven of which the practice never used, cost more than the
    batch's own guard).
    """
    practice_id: int
    as_of: dt.date
    dialect: str
    any_holds: bool
    wait_for_insurance: bool
    income: IncomeRule | None
    # 501(r) (SPEC 15.5): the practice's ECA agencies, or None when the practice is not under it
    eca_agencies: tuple[int, ...] | None = None
    guarantor_id: int | None = None
    hold_kinds: tuple[str, ...] = HOLD_KINDS

    def params(self) -> dict[str, Any]:
        return {"el_p": self.practice_id, **protection_params(self.income, self.as_of),
                **(eca.params(self.as_of) if self.eca_agencies else {})}

    def eca_guarded(self, placing_with: str | int | None) -> str | None:
        """Whether handing balances to agency `placing_with` is an ECA (SPEC 15.5): None when no
        ECA can happen, "TRUE" when it is one, else SQL true when it is. `placing_with` is the
        agency's database id when the step has chosen one (a turnover: decided here, once), an SQL
        expression of its id when each row has its own (a placement), or None when the agency is
        not known (a turnover naming none; explain): then any ECA agency of the practice makes it one."""
        if not self.eca_agencies:
            return None
        if placing_with is None:
            return "TRUE"
        if isinstance(placing_with, int):
            return "TRUE" if placing_with in self.eca_agencies else None
        return f"{placing_with} IN ({', '.join(str(i) for i in self.eca_agencies)})"

    def without_eca(self) -> Rules:
        """The same rules less 501(r): for the lines a step would take before its ECA test."""
        return replace(self, eca_agencies=None)


def rules_for(uow: UnitOfWork, practice: Practice, as_of: dt.date, guarantor_id: int | None = None) -> Rules:
    """The rules of `practice` on `as_of` (two small reads); with `guarantor_id`, for that one
    account's statements only (see Rules)."""
    account = "" if guarantor_id is None else " AND guarantor_id = :g"
    kinds = set(uow.session.execute(q(f"SELECT DISTINCT kind FROM hold WHERE practice_id = :p AND start_date <= :d"
                                      f"{account}", {"p": practice.id, "d": as_of, "g": guarantor_id})).scalars())
    assert practice.id is not None
    return Rules(practice.id, as_of, uow.dialect, bool(kinds), practice.wait_for_insurance,
                 income_rule(uow, practice, as_of), eca.eca_agencies(uow, practice), guarantor_id,
                 tuple(k for k in HOLD_KINDS if k in kinds))


# Which reasons keep a workflow's hands off a balance. Income exemption stops agency placement
# and turnover only (SPEC 14): every external step, the roster's turnover (not its letters).
AGENCY_WORKFLOWS: tuple[Workflow, ...] = ("external",)


_HELD = ("FROM hold h LEFT JOIN hold_release hr ON hr.hold_id = h.id WHERE h.practice_id = :el_p "
         "AND h.start_date <= :el_d AND (h.end_date IS NULL OR h.end_date >= :el_d) "
         "AND (hr.released_on IS NULL OR hr.released_on > :el_d)")


def account_on_hold(guarantor: str) -> str:
    """SQL: a hold on the whole account (not one encounter) covers :el_d. The roster freezes such
    an account: it stays in its status, its clock stops, no letter is queued (SPEC 14)."""
    return f"{guarantor} IN (SELECT h.guarantor_id {_HELD} AND h.encounter_id IS NULL)"


def account_held_days(rules: Rules, since: str, guarantor: str) -> str:
    """SQL: days after `since` up to :el_d on which the whole account was held (0 without holds),
    for clocks that stop while held (days in a roster status)."""
    if not rules.any_holds:
        return "0"
    return held_days_sql(rules.dialect, since, guarantor=guarantor)


def account_protected(guarantor: str, rules: Rules, agency: bool) -> str:
    """SQL: the guarantor is protected on :el_d (an uncorrelated set, computed once per statement);
    `agency` adds the income exemption, which only stops placement and turnover."""
    return _protected_in(guarantor, " OR ".join(sql for _kind, sql in _protections(rules, agency)))


def _protections(rules: Rules, agency: bool) -> list[tuple[str, str]]:
    checks = protected_sql(rules.income, "gx")
    return [(k, checks[k]) for k in PROTECTIONS if k not in AGENCY_ONLY or agency]


def _protected_in(guarantor: str, condition: str) -> str:
    return f"{guarantor} IN (SELECT gx.id FROM guarantor gx WHERE gx.practice_id = :el_p AND ({condition}))"


def on_hold(subject: Subject) -> str:
    """SQL: a hold (on its guarantor or on its encounter) covers the subject on :el_d."""
    return " OR ".join(f"({sql})" for _code, sql in _on_hold(subject))


def _on_hold(subject: Subject) -> list[tuple[str, str]]:
    """(reason, SQL) for a hold covering the subject on :el_d: one on its guarantor, or on its
    encounter. Uncorrelated sets, so each is computed once per statement."""
    return [("hold", account_on_hold(subject.guarantor)),
            ("hold", f"{subject.encounter} IN (SELECT h.encounter_id {_HELD} AND h.encounter_id IS NOT NULL)")]


def exclusions(me: Workflow, subject: Subject, rules: Rules, agency: bool | None = None,
               placing_with: str | None = None) -> list[tuple[str, str]]:
    """(code, SQL true when it applies) covering every SPEC 14 reason `me` must obey: the kernel's
    reasons as two sets (`_by_sets`: codes `account`, `encounter`, and `insurance_open` when asked
    of the encounter row), then the 501(r) conditions by reason; `reasons` names each kind for the
    tallies. `agency`: the step hands balances to an agency (placement, turnover), so the income
    exemption applies too; by default, external's steps do.
    On an agency step of a 501(r) practice the three ECA conditions follow, for placements with
    an ECA agency (`placing_with`: the SQL of the agency's id; when not given, any agency step)."""
    to_agency = me in AGENCY_WORKFLOWS if agency is None else agency
    return [*_by_sets(subject, rules, to_agency), *_eca(subject, rules, to_agency, placing_with)]


def _by_sets(subject: Subject, rules: Rules, to_agency: bool) -> list[tuple[str, str]]:
    """Holds, protections and insurance as the fewest set probes: one set of the practice's
    guarantors kept out as a whole (held as an account, protected) and one of its encounters (held,
    insurance still open), each read once per statement. A probe costs about a microsecond on
    SQLite and a batch makes one per line it reads, so one set per key instead of one per reason
    halves what the rules cost a batch; the sets hold no NULL, so NOT IN the union is exactly the
    reasons' NOTs ANDed. A statement that reads the encounter row (`Subject.encounter_row`) asks
    its own columns whether insurance is open instead."""
    account = [f"SELECT h.guarantor_id {_HELD} AND h.encounter_id IS NULL"] if rules.any_holds else []
    account.append(f"SELECT gx.id FROM guarantor gx WHERE gx.practice_id = :el_p AND "
                   f"({' OR '.join(sql for _kind, sql in _protections(rules, to_agency))})")
    found = [("account", f"{subject.guarantor} IN ({' UNION ALL '.join(account)})")]
    encounter = [f"SELECT h.encounter_id {_HELD} AND h.encounter_id IS NOT NULL"] if rules.any_holds else []
    own_row = []
    if rules.wait_for_insurance and subject.encounter_row is not None:
        # the statement reads the encounter row itself (Pre-Collections): its own columns, NULL as
        # not open; probing a set for each of 450,000 encounters cost 0.6 s of a 1.6 s build
        own_row.append(("insurance_open", f"COALESCE({insurance_open_sql(subject.encounter_row)}, FALSE)"))
    elif rules.wait_for_insurance:
        encounter.append(f"SELECT ex.id FROM encounter ex WHERE ex.practice_id = :el_p AND {insurance_open_sql('ex')}")
    if encounter and subject.encounter != "NULL":  # a whole account (no encounter) has no encounter's reasons
        found.append(("encounter", f"{subject.encounter} IN ({' UNION ALL '.join(encounter)})"))
    return found + own_row


def reasons(me: Workflow, subject: Subject, rules: Rules, agency: bool | None = None,
            placing_with: str | None = None) -> list[tuple[str, str]]:
    """`exclusions` one kind at a time (`hold:dispute`, `protected:minor`, `insurance_open`), in
    the same order, for the tallies: a batch keeps its one condition per reason in its WHERE and
    names the kind only for the accounts it left out. So these are asked only of those (the
    rows a batch's work table marked kept out): holds by kind from the practice's holds (a small set each), protections
    and insurance looked up by the subject's own keys — not a practice-wide read of guarantors
    and encounters per kind, which cost more than the batch's own statement did."""
    found = []
    if rules.any_holds:
        for kind in rules.hold_kinds:
            on = f"{_HELD} AND h.kind = '{kind}'"
            found.append((f"hold:{kind}",
                          f"({subject.guarantor} IN (SELECT h.guarantor_id {on} AND h.encounter_id IS NULL) OR "
                          f"{subject.encounter} IN (SELECT h.encounter_id {on} AND h.encounter_id IS NOT NULL))"))
    to_agency = me in AGENCY_WORKFLOWS if agency is None else agency
    found += [(f"protected:{kind}", f"EXISTS (SELECT 1 FROM guarantor gx WHERE gx.id = {subject.guarantor} "
                                    f"AND gx.practice_id = :el_p AND ({sql}))")
              for kind, sql in _protections(rules, to_agency)]
    if rules.wait_for_insurance:
        found.append(("insurance_open", f"EXISTS (SELECT 1 FROM encounter ex WHERE ex.id = {subject.encounter} "
                                        f"AND ex.practice_id = :el_p AND {insurance_open_sql('ex')})"))
    return found + _eca(subject, rules, to_agency, placing_with)


def _eca(subject: Subject, rules: Rules, to_agency: bool, placing_with: str | None) -> list[tuple[str, str]]:
    """The three 501(r) conditions, on an agency step of a practice with ECA agencies. A whole
    account (no encounter) is asked through `account_eca`, over the lines the step takes."""
    guarded = rules.eca_guarded(placing_with) if to_agency and subject.encounter != "NULL" else None
    if guarded is None:
        return []
    return [(code, sql if guarded == "TRUE" else f"({guarded}) AND {sql}")
            for code, sql in eca.conditions(subject.guarantor, subject.encounter)]


def account_eca(guarantor: str, rules: Rules, agency_id: int | None, lines: str) -> list[tuple[str, str]]:
    """(reason, SQL true when it forbids) the 501(r) conditions for handing a whole account to one
    agency (the roster's turnover): `agency_id` its database id (None: the step names no agency,
    so any ECA agency of the practice makes it an ECA); `lines` a WHERE over alias `l` of the
    lines the step would take, without the ECA test itself (`Rules.without_eca`). The account is
    kept back when any of those lines fails a condition: an ECA is taken on the whole account.
    Empty when the agency takes no ECA (or 501(r) does not apply)."""
    if rules.eca_guarded(agency_id) is None:
        return []
    return [(code, f"EXISTS (SELECT 1 FROM service_line l WHERE l.guarantor_id = {guarantor} AND {lines} AND {sql})")
            for code, sql in eca.conditions("l.guarantor_id", "l.encounter_id")]


def account_eca_any(guarantor: str, rules: Rules, agency_id: int | None, lines: str) -> str | None:
    """`account_eca`'s conditions as one (SQL true when any forbids the ECA): one pass over the
    account's lines for a statement that keeps accounts out and need not say why."""
    if rules.eca_guarded(agency_id) is None:
        return None
    found = " OR ".join(f"({sql})" for _code, sql in eca.conditions("l.guarantor_id", "l.encounter_id"))
    return f"EXISTS (SELECT 1 FROM service_line l WHERE l.guarantor_id = {guarantor} AND {lines} AND ({found}))"


def eca_agency(rules: Rules, agency_id: int | None) -> bool:
    """Is handing an account to this agency (None: one not named) an ECA on the rules' date?"""
    return rules.eca_guarded(agency_id) is not None


def held_on_record(guarantor: str, encounter: str, at: str, day: str) -> str:
    """SQL: a hold already on record at time `at` covered the subject on business date `day` (its
    guarantor's account, or its encounter; pass encounter "NULL" for account holds only), and no
    release recorded by then had ended it. `recoup verify` asks this of every line a batch took:
    a hold placed (or back-dated) after the batch does not make the batch wrong."""
    return f"""EXISTS (SELECT 1 FROM hold hh WHERE hh.guarantor_id = {guarantor}
        AND (hh.encounter_id IS NULL OR hh.encounter_id = {encounter}) AND hh.created_at <= {at}
        AND hh.start_date <= {day} AND (hh.end_date IS NULL OR hh.end_date >= {day})
        AND NOT EXISTS (SELECT 1 FROM hold_release hr WHERE hr.hold_id = hh.id AND hr.created_at <= {at}
                        AND hr.released_on <= {day}))"""


def protected_on_record(guarantor: str, at: str) -> list[tuple[str, str]]:
    """(reason, SQL) per protection the guarantor row `guarantor` has on :el_d (params of
    protection_params) by facts unchanged since time `at` (their last change is stamped by the
    database). For `recoup verify`: a protection recorded after a batch is not held against it.
    The income exemption is left out: its guideline and threshold are not kept by date."""
    unchanged = f"({guarantor}.protections_at IS NULL OR {guarantor}.protections_at <= {at})"
    return [(f"protected:{kind}", f"({sql} AND {unchanged})")
            for kind, sql in protected_sql(None, guarantor).items() if kind not in AGENCY_ONLY]


def insurance_open_on_record(encounter: str, practice: str, at: str) -> str:
    """SQL: the encounter's insurance status said open or appeal, unchanged since `at`, while its
    practice waited for insurance, unchanged since `at` too (for `recoup verify`; an open insurance
    balance is not kept by date, so only the status is checked)."""
    return (f"({practice}.wait_for_insurance = TRUE AND ({practice}.rules_at IS NULL OR {practice}.rules_at <= {at}) "
            f"AND {encounter}.insurance_status IN ('open', 'appeal') "
            f"AND ({encounter}.insurance_at IS NULL OR {encounter}.insurance_at <= {at}))")


def collectable(me: Workflow, subject: Subject, rules: Rules, agency: bool | None = None,
                placing_with: str | None = None) -> list[str]:
    """Conditions (ANDed) that keep out of `me` everything SPEC 14 forbids on the business date."""
    return [f"NOT ({sql})" for _code, sql in exclusions(me, subject, rules, agency, placing_with)]
