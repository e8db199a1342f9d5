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
from dataclasses import dataclass
from typing import Literal

# --------------------------------------------------------------------------------------- aging

# The practice (and roster) setting: "patient" ages a balance from the day it became the
# guarantor's (the posted date when it was the guarantor's from the start), "acct" from posting.
AGING_BASES = ("patient", "acct")


def aging_anchor(basis: str, line: str = "l") -> str:
    """SQL for the date line `line`'s guarantor balance ages from; its age is as_of minus it.

    Every age test is written against this anchor (age >= N <=> anchor <= as_of - N, see
    `age_cutoff`), so the anchor is the one place age is defined. Held days (SPEC 14, a later
    issue) go here: the anchor moves forward by the days the line was held, and every list,
    run and dashboard ages it correctly without changing its comparison.
    """
    if basis == "acct":
        return f"{line}.posted_date"
    if basis == "patient":
        return f"COALESCE({line}.responsibility_date, {line}.posted_date)"
    raise ValueError(f"aging basis {basis!r} is not one of {AGING_BASES}")


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
    return Subject(f"{alias}.id", f"{alias}.guarantor_id", None, alias)


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
