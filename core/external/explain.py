"""Explain for the external workflow (SPEC 5, 14): which agency's thresholds each line meets.

Per line the kernel leaves to external (core.explain), on the business date: the agency the
nightly selection would give it (the run's own CASE, core.external.selection.qualify_case), its
balance against that agency's "greater than" and its age against the agency's days — the age
from the run's anchor (re-aged on a denial, held days not counted) — whether its placement state
lets the run select it again, and the payment exclusion when it is on.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from core.errors import counted
from core.explain import Reason, Target, Verdict, verdict
from core.external.admin import rules_in_order, settings
from core.external.selection import anchor, eligible, excluded_by_payments, qualify_case
from core.models.agencies import Agency
from core.money import format_percent, format_plain
from core.sql import as_date, q
from core.uow import UnitOfWork


def explain_lines(uow: UnitOfWork, target: Target) -> Verdict:
    """External's verdict: kernel reasons, then per free line its agency thresholds. May be taken
    when a free line qualifies for an agency, its state lets the run select it, and no recent
    payment excludes it."""
    practice, as_of, elig = target.practice, target.as_of, target.rules
    assert practice.id is not None
    free = target.free_lines("external")
    rules = rules_in_order(uow, practice.id)
    if not rules:
        none = [Reason("no_agency", "no agency has thresholds: lines go to agencies by manual selection only",
                      "none", "an agency with Balance and Age", False)]
        return verdict(target, "external", none, takeable=False)
    if not free:
        return verdict(target, "external", [], takeable=False)
    names = dict(uow.session.exec(select(col(Agency.id), col(Agency.source_id))
                                  .where(col(Agency.id).in_([r.agency_id for r in rules]))).all())
    cfg = settings(uow, practice.id)
    params: dict[str, Any] = {"p": practice.id, "d": as_of, "ids": [ln.id for ln in free]}
    agency = qualify_case(rules, practice.aging_basis, as_of, "l.ar_cents", params, elig=elig)
    excluded = excluded_by_payments(cfg, as_of, params)
    rows = uow.session.execute(q(f"""
        SELECT l.id, l.source_id, l.ar_cents, {anchor(practice.aging_basis, 'l', 'x', elig)}, {agency},
               CASE WHEN {eligible('l', 'x')} THEN 1 ELSE 0 END,
               CASE WHEN {excluded or '1 = 0'} THEN 1 ELSE 0 END, x.state
        FROM service_line l LEFT JOIN external_placement x ON x.line_id = l.id
        WHERE l.id IN :ids ORDER BY l.source_id""", params)).all()
    own: list[Reason] = []
    takeable, placed = False, []
    held = {ln.id: ln.held_days for ln in free}
    for line_id, line, balance, anchor_date, agency_id, selectable, paid, state in rows:
        start = as_date(anchor_date)
        age = None if start is None else (as_of - start).days
        rule = next((r for r in rules if r.agency_id == agency_id), rules[-1])  # the winner, else the easiest
        name = names.get(rule.agency_id, "?")
        held_note = f", {held[line_id]} held days not counted" if held.get(line_id) else ""
        own.append(Reason("below_minimum", f"balance > {name}'s Balance Greater Than", int(balance),
                          rule.balance_gt_cents, int(balance) > (rule.balance_gt_cents or 0), money=True,
                          subject=line))
        own.append(Reason("too_young", f"age in days > {name}'s Age Greater Than{held_note}", age, rule.age_gt,
                          age is not None and age > (rule.age_gt or 0), subject=line))
        if not selectable:
            own.append(Reason("placement", f"already {state} with an agency: the run does not select it again",
                              state, "never placed, or denied before the business date", False, subject=line))
            placed.append(line)
        if excluded is not None:
            assert cfg.exclude_days is not None
            minimum = " or ".join(m for m in (format_plain(cfg.exclude_min_cents) if cfg.exclude_min_cents else "",
                                              f"{format_percent(cfg.exclude_pct_bp)} %" if cfg.exclude_pct_bp
                                              else "") if m)
            level = "the account's" if cfg.account_level else "the line's"
            own.append(Reason("recent_payment", f"{level} payments in the last {cfg.exclude_days} days reach "
                                                f"the minimum (the larger of {minimum})",
                              "reached" if paid else "not reached", "not reached", not paid, subject=line))
        takeable = takeable or (agency_id is not None and bool(selectable) and not paid)
    note = f"{counted(len(placed), 'line')} already with an agency" if placed else ""
    return verdict(target, "external", own, note, takeable)
