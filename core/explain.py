"""Explain (SPEC 14): why a guarantor's or an encounter's lines may or may not be taken by a workflow.

The kernel's part, for ONE account: the reasons every workflow obeys, in the order the batches
report them — held by another workflow, on hold, protected, insurance still open — each with its
actual value and threshold. Every reason is decided by the definitions the batches use
(core.eligibility's holders, anchor and rules; core.holds; core.protections' Python twin), only
evaluated for the lines of one guarantor or encounter: a few indexed reads, no scans.

Each workflow package adds its own criteria (`explain_*` in its façade) over the lines the kernel
leaves it (`Target.free_lines`); core.verdicts assembles the three verdicts for the command line
and the screens. This module imports no workflow package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core import eca
from core.eligibility import (
    AGENCY_WORKFLOWS,
    WORKFLOWS,
    Rules,
    Workflow,
    aging_anchor,
    held_by,
    of_line,
    open_guarantor_line,
    rules_for,
)
from core.holds import HoldRow, list_holds
from core.models.ledger import Encounter, Guarantor, Practice
from core.practices import find_account
from core.protections import AGENCY_ONLY, adult_born_on_or_before, insurance_open_sql, protections_of
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork

WORKFLOW_LABELS = {"precollections": "Pre-Collections", "external": "External collections",
                   "roster": "Patient collections roster"}


@dataclass(frozen=True)
class Reason:
    """One line of an explanation: a fixed code, plain words, the actual value and the threshold
    (cents when `money`), and whether it lets the workflow take the balance. `subject` names the
    encounter or line it is about when it is not the whole account."""
    code: str
    words: str
    actual: Any
    threshold: Any
    passed: bool
    money: bool = False
    subject: str | None = None


@dataclass
class Verdict:
    workflow: str
    takeable: bool
    reasons: list[Reason]
    note: str = ""  # where the account stands in the workflow now

    @property
    def label(self) -> str:
        return WORKFLOW_LABELS.get(self.workflow, self.workflow)

    @property
    def words(self) -> str:
        return "may be taken" if self.takeable else "may not be taken"


@dataclass(frozen=True)
class Line:
    """An open guarantor line of the target with what the kernel found about it."""
    id: int
    source_id: str
    encounter_id: int
    encounter: str
    ar_cents: int
    collections_cents: int
    billing_group: str | None
    anchor: dt.date | None        # the aging anchor as posted (practice's basis)
    held_anchor: dt.date | None   # moved forward by the days held since (what the batches age from)
    holders: tuple[str, ...]      # the workflows holding it now
    insurance_open: bool          # its encounter waits for insurance (and the practice waits)
    insurance_status: str | None
    ins_ar_cents: int

    @property
    def held_days(self) -> int:
        if self.anchor is None or self.held_anchor is None:
            return 0
        return (self.held_anchor - self.anchor).days


@dataclass
class Target:
    """One guarantor (all its open guarantor lines) or one encounter, on a business date."""
    practice: Practice
    guarantor: Guarantor
    encounter: Encounter | None
    as_of: dt.date
    rules: Rules
    lines: list[Line]
    holds: list[HoldRow]                              # the guarantor's, active on the business date
    protections: list[tuple[str, str]] = field(default_factory=list)
    account_lines: list[Line] = field(default_factory=list)  # every open line of the guarantor
    eca: eca.Facts | None = None  # 501(r)'s facts, when an agency placement may be an ECA

    def eca_reasons(self, encounter_id: int, me: Workflow) -> list[tuple[str, Any, Any]]:
        """The 501(r) conditions an agency step of `me` would fail for the encounter."""
        if self.eca is None or me not in AGENCY_WORKFLOWS:
            return []
        return self.eca.reasons(encounter_id, self.as_of)

    @property
    def target_holds(self) -> list[HoldRow]:
        """The holds covering the target: the account's, and the encounter's (or any encounter's)."""
        return [h for h in self.holds if self.encounter is None or h.encounter in (None, self.encounter.source_id)]

    @property
    def account_holds(self) -> list[HoldRow]:
        return [h for h in self.holds if h.encounter is None]

    def encounter_held(self, encounter: str) -> HoldRow | None:
        return next((h for h in self.holds if h.encounter == encounter), None)

    def line_blocked(self, line: Line, me: Workflow) -> bool:
        """A kernel reason of the line itself (not of the whole account) keeps it from `me`."""
        return (_other(line, me) or self.encounter_held(line.encounter) is not None or line.insurance_open
                or bool(self.eca_reasons(line.encounter_id, me)))

    def free_lines(self, me: Workflow, account: bool = False) -> list[Line]:
        """The lines no line-level kernel reason keeps from `me` (what its own criteria look at);
        with `account`, of the guarantor's whole account (the roster decides per account)."""
        return [ln for ln in (self.account_lines if account else self.lines) if not self.line_blocked(ln, me)]

    def account_blocked(self, me: Workflow) -> bool:
        return bool(self.account_holds) or any(code not in AGENCY_ONLY_CODES or me in AGENCY_WORKFLOWS
                                               for code, _ in self.protections)


AGENCY_ONLY_CODES = tuple(f"protected:{k}" for k in AGENCY_ONLY)


def _other(line: Line, me: Workflow) -> bool:
    """core.eligibility.free_for, for one line: a balance in collections, or another workflow holds it."""
    return line.collections_cents != 0 or any(w != me for w in line.holders)


# ------------------------------------------------------------------------------------ loading

def find_target(uow: UnitOfWork, actor: Actor, practice: Practice, as_of: dt.date, *,
                guarantor: str | None = None, encounter: str | None = None) -> Target:
    """The guarantor or encounter (ids of the practice system) with its lines, holds and protections."""
    require(actor, "viewer", "explain an account")
    g, enc = find_account(uow, practice, guarantor, encounter)
    rules = rules_for(uow, practice, as_of, guarantor_id=g.id)  # one account's lines: nothing practice-wide
    active = list_holds(uow, actor, rules.practice_id, as_of, guarantor=g.source_id, state="active")
    lines = _lines(uow, practice, g, enc, rules)
    account = lines if enc is None else _lines(uow, practice, g, None, rules)
    facts = (eca.facts(uow, g.id, sorted({ln.encounter_id for ln in account}), as_of)
             if rules.eca_agencies and g.id is not None else None)
    return Target(practice, g, enc, as_of, rules, lines, active, protections_of(g, as_of, rules.income),
                  account, facts)


def _lines(uow: UnitOfWork, practice: Practice, g: Guarantor, enc: Encounter | None, rules: Rules) -> list[Line]:
    """Open guarantor lines (counting collections, as Pre-Collections does) with the kernel's facts:
    one statement, each test the batches' own SQL on the line's indexes."""
    me = of_line("l")
    holders = ", ".join(f"CASE WHEN {held_by(w, me)} THEN 1 ELSE 0 END" for w in WORKFLOWS)
    insurance = f"CASE WHEN {insurance_open_sql('e')} THEN 1 ELSE 0 END" if rules.wait_for_insurance else "0"
    scope = "l.encounter_id = :enc" if enc is not None else "l.guarantor_id = :g"
    rows = uow.session.execute(q(f"""
        SELECT l.id, l.source_id, e.id, e.source_id, l.ar_cents, l.collections_cents, l.billing_group,
               {aging_anchor(practice.aging_basis, 'l')}, {aging_anchor(practice.aging_basis, 'l', rules)},
               {holders}, {insurance}, e.insurance_status, e.ins_ar_cents
        FROM service_line l JOIN encounter e ON e.id = l.encounter_id
        WHERE {scope} AND {open_guarantor_line('l', counting_collections=True)}
        ORDER BY e.source_id, l.source_id""",
        {"enc": enc.id if enc else None, "g": g.id, **rules.params()})).all()
    return [Line(int(r[0]), r[1], int(r[2]), r[3], int(r[4]), int(r[5]), r[6], as_date(r[7]), as_date(r[8]),
                 tuple(w for w, flag in zip(WORKFLOWS, r[9:12], strict=True) if flag), bool(r[12]), r[13],
                 int(r[14])) for r in rows]


# ------------------------------------------------------------------------------------ the kernel's reasons

def kernel_reasons(t: Target, me: Workflow) -> list[Reason]:
    """The SPEC 14 reasons `me` obeys, in order, each with its value and threshold. A check that
    finds nothing is listed once as passed, so the operator sees everything that was asked."""
    return [*_other_workflow(t, me), *_holds(t), *_protected(t, me), *_insurance(t), *_eca(t, me)]


def _other_workflow(t: Target, me: Workflow) -> list[Reason]:
    found = []
    for ln in t.lines:
        others = [w for w in ln.holders if w != me]
        if others:
            found.append(Reason("other_workflow", f"held by {', '.join(WORKFLOW_LABELS[w] for w in others)}",
                                ", ".join(others), "no other workflow", False, subject=ln.source_id))
        elif ln.collections_cents:
            found.append(Reason("other_workflow", "balance already in collections", ln.collections_cents, 0,
                                False, money=True, subject=ln.source_id))
    return found or [Reason("other_workflow", "no other workflow holds it; nothing in collections", "none",
                            "no other workflow", True)]


def hold_words(h: HoldRow) -> str:
    until = f"to {h.end}" if h.end else "until released"
    reason = h.reason if len(h.reason) <= 40 else h.reason[:39] + "…"
    return f"on hold ({h.kind}) from {h.start} {until}: {reason}"


def _holds(t: Target) -> list[Reason]:
    found = [Reason(f"hold:{h.kind}", hold_words(h), f"{h.start}..{h.end or ''}", "no hold on the business date",
                    False, subject=h.encounter) for h in t.target_holds]
    return found or [Reason("hold", "no hold on the business date", "none", "no hold", True)]


def _protected(t: Target, me: Workflow) -> list[Reason]:
    g, as_of, rule = t.guarantor, t.as_of, t.rules.income
    found = []
    for code, words in t.protections:
        applies = code not in AGENCY_ONLY_CODES or me in AGENCY_WORKFLOWS
        suffix = "" if applies else " (stops agency placement and turnover only)"
        if code == "protected:minor":
            found.append(Reason(code, words + suffix, g.birth_date,
                                f"born on or before {adult_born_on_or_before(as_of)}, or a responsible party",
                                not applies))
        elif code == "protected:deceased":
            found.append(Reason(code, words + suffix, g.date_of_death, "alive, or an estate representative",
                                not applies))
        elif code == "protected:bankruptcy":
            found.append(Reason(code, words + suffix, g.bankruptcy_filed, "no bankruptcy filed by the business date",
                                not applies))
        elif code == "protected:income_exempt" and rule is not None and g.household_size is not None:
            found.append(Reason(code, f"household income under {rule.pct} % of the {rule.year} poverty guideline "
                                      f"for {g.household_size}{suffix}", g.household_income_cents,
                                rule.limit_cents(g.household_size), not applies, money=True))
    return found or [Reason("protected", "not protected (minor, deceased, bankruptcy, income)", "none",
                            "no protection", True)]


def _insurance(t: Target) -> list[Reason]:
    if not t.rules.wait_for_insurance:
        return [Reason("insurance_open", "the practice does not wait for insurance", "off", "off", True)]
    found, seen = [], set()
    for ln in t.lines:
        if ln.insurance_open and ln.encounter not in seen:
            seen.add(ln.encounter)
            status = ln.insurance_status or "no status"
            found.append(Reason("insurance_open", f"insurance {status}, insurance balance owed", ln.ins_ar_cents, 0,
                                False, money=True, subject=ln.encounter) if not ln.insurance_status else
                         Reason("insurance_open", f"insurance {status}", status, "closed, no insurance balance",
                                False, subject=ln.encounter))
    return found or [Reason("insurance_open", "insurance has finished with it", "closed",
                            "closed, no insurance balance", True)]


def _eca(t: Target, me: Workflow) -> list[Reason]:
    """501(r): per encounter, the first condition an ECA agency placement would fail (SPEC 15.5)."""
    if t.eca is None or me not in AGENCY_WORKFLOWS:
        return []
    found, seen = [], set()
    for ln in t.lines:
        if ln.encounter_id in seen:
            continue
        seen.add(ln.encounter_id)
        found += [Reason(code, f"an ECA agency placement: {eca.REASONS[code]}", actual, threshold, False,
                         subject=ln.encounter) for code, actual, threshold in t.eca_reasons(ln.encounter_id, me)[:1]]
    return found or [Reason("eca", "501(r): an ECA agency placement is allowed (120 days, notice, call)", "met",
                            "120 days, notice 30 days before, a call after it", True)]


def verdict(t: Target, me: Workflow, own: list[Reason], note: str = "", takeable: bool | None = None) -> Verdict:
    """The workflow's verdict: the kernel's reasons then its own criteria. Takeable when nothing of
    the account is blocked, some line is free of line-level reasons, and its criteria pass
    (`takeable`, when the workflow decides per encounter or line itself)."""
    free = t.free_lines(me)
    ok = (not t.account_blocked(me) and bool(free)
          and (all(r.passed for r in own) if takeable is None else takeable))
    return Verdict(me, ok, [*kernel_reasons(t, me), *own], note)

