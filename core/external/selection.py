"""The SQL the external workflow's steps share: a line's age, which agency it qualifies for, the
payment exclusions; "not in another workflow" and the aging anchor come from core.eligibility.

Why here: the nightly selection, the reassignment and the manual selection must mean the same
thing by "qualifies" and "eligible", and the thresholds are a handful of rows per practice, so
they are folded into one CASE expression (highest age threshold first, so the first WHEN that
matches is the agency that wins) instead of a join. Dates are compared to cut-off dates computed
here, so no statement needs date arithmetic that differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.eligibility import (
    Rules,
    age_cutoff,
    aging_anchor,
    collectable,
    free_for,
    held_forward,
    of_line,
    open_guarantor_line,
)
from core.external.states import starts
from core.models.agencies import AgencyAssignment, ExternalSettings


def anchor(basis: str, line: str = "l", placement: str = "x", elig: Rules | None = None) -> str:
    """The aging anchor (core.eligibility), moved forward to the re-age date of a denial when there
    is one, then by the days held since (with `elig`)."""
    base = aging_anchor(basis, line)
    reaged = (f"(CASE WHEN {placement}.age_from IS NOT NULL AND {placement}.age_from > {base} "
              f"THEN {placement}.age_from ELSE {base} END)")
    return held_forward(reaged, line, elig)


def qualify_case(rules: list[AgencyAssignment], basis: str, as_of: dt.date, balance: str,
                 params: dict[str, Any], result: str = "agency", line: str = "l", placement: str = "x",
                 elig: Rules | None = None) -> str:
    """CASE giving the agency (or its age threshold, result="age") a line qualifies for, or NULL.

    Greater than, both ways: balance > threshold, and age > N days <=> anchor < as_of - N.
    `rules` come highest age first (core.external.admin.rules_in_order). Adds its parameters
    (with `elig`, those of the SPEC 14 rules too: held days do not age).
    """
    if not rules:
        return "CAST(NULL AS BIGINT)"
    whens = []
    if elig is not None:
        params.update(elig.params())
    for i, r in enumerate(rules):
        assert r.age_gt is not None and r.balance_gt_cents is not None
        params[f"qb{i}"], params[f"qc{i}"] = r.balance_gt_cents, age_cutoff(as_of, r.age_gt)
        params[f"qa{i}"], params[f"qg{i}"] = r.agency_id, r.age_gt
        value = f":qa{i}" if result == "agency" else f":qg{i}"
        whens.append(f"WHEN {balance} > :qb{i} AND {anchor(basis, line, placement, elig)} < :qc{i} THEN {value}")
    return f"CAST(CASE {' '.join(whens)} END AS BIGINT)"


def eligible(line: str = "l", placement: str = "x", automatic: bool = True, elig: Rules | None = None,
             placing_with: str | None = None) -> str:
    """An open guarantor line of practice :p that may enter Pending now (placement LEFT JOINed).

    Never one another workflow holds or with a balance in collections (core.eligibility.free_for),
    and with `elig` (whose params the caller adds) nothing SPEC 14 forbids: held, protected, or
    waiting for insurance; placing with agency `placing_with` (SQL of its id), not an ECA 501(r)
    forbids yet.
    The nightly run takes lines never placed and lines denied before today (a line denied today
    is not put straight back by a rerun of the same date), and released lines (paid while pending)
    whose balance came back; lines reversed, recalled or closed come back only by an operator's
    manual selection.
    """
    if automatic:
        again = f"({placement}.id IS NULL OR ({starts('select', placement)} AND {placement}.state_date < :d))"
    else:
        again = f"({placement}.id IS NULL OR {starts('select-manual', placement)})"
    return " AND ".join([f"{line}.practice_id = :p", open_guarantor_line(line), again,
                         *free_for("external", of_line(line)),
                         *(collectable("external", of_line(line), elig, placing_with=placing_with) if elig else [])])


def excluded_by_payments(cfg: ExternalSettings, as_of: dt.date, params: dict[str, Any], line: str = "l") -> str | None:
    """True when payments within the last N days reach the minimum (SPEC 5), or None when off.

    Minimum = the larger of the dollar minimum and the percentage of the outstanding balance
    (rounded half up to the cent). At the account level the guarantor's payments and balance
    count instead of the line's. A payment counts on and after as_of - N through as_of.
    """
    if cfg.exclude_days is None:
        return None
    params["xfrom"] = as_of - dt.timedelta(days=cfg.exclude_days)
    scope, balance = ((f"t.guarantor_id = {line}.guarantor_id",
                       f"(SELECT gx.ar_cents FROM guarantor gx WHERE gx.id = {line}.guarantor_id)")
                      if cfg.account_level else (f"t.line_id = {line}.id", f"{line}.ar_cents"))
    paid = (f"(SELECT COALESCE(SUM(CASE WHEN t.bucket_to = 'paid' THEN t.amount_cents ELSE -t.amount_cents END), 0) "
            f"FROM ledger_txn t WHERE {scope} AND t.kind = 'payment' AND 'paid' IN (t.bucket_to, t.bucket_from) "
            f"AND t.date >= :xfrom AND t.date <= :d)")
    parts = []
    if cfg.exclude_min_cents is not None:
        params["xmin"] = cfg.exclude_min_cents
        parts.append(":xmin")
    if cfg.exclude_pct_bp is not None:
        params["xbp"] = cfg.exclude_pct_bp
        parts.append(f"((CAST({balance} AS BIGINT) * :xbp + 5000) / 10000)")
    minimum = (parts[0] if len(parts) == 1
               else f"(CASE WHEN {parts[0]} > {parts[1]} THEN {parts[0]} ELSE {parts[1]} END)")
    return f"({paid} >= (CASE WHEN {minimum} < 1 THEN 1 ELSE {minimum} END))"


def case_key(line: str, encounter: str) -> str:
    """A line's case id for the same-DOS-and-case rule: its own, else its encounter's (imports copy
    it; older data may not), '' when neither has one (no case = same case). The caller joins the
    line's encounter as `encounter`, so no correlated lookup is needed per line."""
    return f"COALESCE({line}.case_id, {encounter}.case_id, '')"


def dos_group_of(line: str, encounter: str, other: str) -> str:
    """`line` (with its encounter joined as `encounter`) is in the same-DOS-and-case group as the
    line aliased `other` (its case looked up, as the caller has no join for it)."""
    other_case = (f"COALESCE({other}.case_id, (SELECT oe.case_id FROM encounter oe "
                  f"WHERE oe.id = {other}.encounter_id), '')")
    return (f"{line}.guarantor_id = {other}.guarantor_id AND {line}.dos = {other}.dos "
            f"AND {case_key(line, encounter)} = {other_case}")


def with_dos_siblings(where: str, from_x: str) -> str:
    """The chosen placements (condition over x and l) and, for the "move all procedures by DOS"
    rule, every placement with the same agency in their same-DOS-and-case groups: lines that came
    in together go to the next agency together."""
    chosen = f"SELECT x.id FROM {from_x} WHERE {where}"
    return (f"(({where}) OR EXISTS (SELECT 1 FROM external_placement cx JOIN service_line cl ON cl.id = cx.line_id "
            f"JOIN encounter ce ON ce.id = cl.encounter_id WHERE cx.id IN ({chosen}) AND cx.agency_id = x.agency_id "
            f"AND {dos_group_of('cl', 'ce', 'l')}))")
