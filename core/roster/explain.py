"""Explain for the patient collections roster (SPEC 6, 14): would populate take this account in?

The roster decides per account, so an encounter is explained by its guarantor's account. The
delinquent amount is populate's own (core.roster.sql.delinquent_lines; held days do not age) over
the account's lines the kernel leaves the roster (core.explain: not another workflow's, not on an
encounter hold, insurance done; an account hold or a protection the kernel reports itself); then
the minimum balance, the age to enter, billing-group suppression and a credit balance, each with
its value and threshold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core import eca
from core.eligibility import aging_anchor, eca_agency, open_guarantor_line
from core.explain import Reason, Target, Verdict, verdict
from core.models.roster import RosterSettings
from core.roster.admin import DEFAULT_SETTINGS, settings
from core.roster.sql import account_suppressed, delinquent_lines
from core.roster.turnovers import turnover_lines
from core.sql import as_date, q
from core.uow import UnitOfWork

SUPPRESSED_LINE = ("(l.billing_group IS NOT NULL AND l.billing_group IN (SELECT bg.code FROM billing_group bg "
                   "WHERE bg.practice_id = :p AND bg.suppress_collections = TRUE))")


def explain_account(uow: UnitOfWork, target: Target) -> Verdict:
    """The roster's verdict on the target's account: the kernel's reasons, then populate's entry rules."""
    practice, g, as_of, elig = target.practice, target.guarantor, target.as_of, target.rules
    assert practice.id is not None and g.id is not None
    cfg = settings(uow, practice.id) or RosterSettings(practice_id=practice.id, **DEFAULT_SETTINGS)
    cutoff = as_of - dt.timedelta(days=cfg.age_to_enter)
    # the account's lines no line-level kernel reason keeps from the roster; an account-level one
    # (a hold on the account, a protection) the kernel reports, and it makes the verdict
    free = [ln.id for ln in target.free_lines("roster", account=True)] or [0]
    params = {"p": practice.id, "g": g.id, "cutoff": cutoff, "ids": free, **elig.params()}
    suppressed_acct = account_suppressed("g") if cfg.suppress_by == "account" else "1 = 0"
    row = uow.session.execute(q(f"""
        SELECT (SELECT COALESCE(SUM(l.ar_cents), 0) FROM service_line l
                WHERE l.id IN :ids AND {delinquent_lines(cfg.aging_basis, cfg.suppress_by, elig=elig, guard=False)}),
               (SELECT MIN({aging_anchor(cfg.aging_basis, 'l', elig)}) FROM service_line l
                WHERE l.id IN :ids AND {open_guarantor_line('l')}),
               (SELECT COALESCE(SUM(l.ar_cents), 0) FROM service_line l
                WHERE l.guarantor_id = :g AND {open_guarantor_line('l')} AND {SUPPRESSED_LINE}),
               CASE WHEN {suppressed_acct} THEN 1 ELSE 0 END, g.ar_cents - g.escrow_cents, g.kind
        FROM guarantor g WHERE g.id = :g""", params)).one()
    delinquent, oldest, suppressed_lines, suppressed, total, kind = (
        int(row[0]), as_date(row[1]), int(row[2]), bool(row[3]), int(row[4]), row[5])
    age = None if oldest is None else (as_of - oldest).days
    own = [Reason("not_patient", "a patient account (employer accounts are not on the roster)", kind, "patient",
                  kind == "patient"),
           Reason("below_minimum", f"delinquent charges (aged {cfg.age_to_enter}+ days, collectable) >= minimum "
                                   "balance", delinquent, cfg.min_balance_cents,
                  delinquent > 0 and delinquent >= cfg.min_balance_cents, money=True),
           Reason("too_young", "age in days of the oldest open line (held days not counted) >= age to enter",
                  age, cfg.age_to_enter, age is not None and age >= cfg.age_to_enter)]
    if cfg.suppress_by == "account":
        own.append(Reason("suppressed_billing_group", "the account's billing group does not suppress collections",
                          g.billing_group or "none", "not suppressed", not suppressed))
    else:
        own.append(Reason("suppressed_billing_group", "lines in billing groups that suppress collections "
                                                      "(not counted)", suppressed_lines, 0, True, money=True))
    own.append(Reason("credit_balance", "the account's whole balance (A/R less unapplied) is owed, not a credit",
                      total, 0, total > 0, money=True))
    ra = uow.session.execute(q("SELECT active, status_code, status_since, turned_over, turned_over_date "
                               "FROM roster_account WHERE guarantor_id = :g", {"g": g.id})).first()
    note = "" if target.encounter is None else "the roster decides for the whole account"
    if ra is not None and ra[3]:
        note = f"turned over to the agency on {as_date(ra[4])}"
    elif ra is not None and ra[0]:
        note = f"in the roster at status {ra[1]} since {as_date(ra[2])}"
    v = verdict(target, "roster", own, note, all(r.passed for r in own) and not (ra is not None and ra[3]))
    if not (ra is not None and ra[3]):
        v.reasons += turnover_eca(uow, target, cfg, params)
    return v


def turnover_eca(uow: UnitOfWork, target: Target, cfg: RosterSettings, params: dict[str, Any]) -> list[Reason]:
    """501(r) (SPEC 15.5) for turning the account over, by agency: to one that takes ECAs, the three
    conditions over the lines a turnover would take (the turnover's own `turnover_lines`; the
    account stays approved when any fails), to one that takes none, nothing. They say what the
    turnover would do; they do not decide whether the roster takes the account in."""
    elig = target.rules
    if elig.eca_agencies is None:
        return []
    agencies = uow.session.execute(q("SELECT id, source_id, eca_kinds FROM agency WHERE practice_id = :p "
                                     "ORDER BY source_id", {"p": elig.practice_id})).all()
    eca_ones = [f"{r[1]} ({r[2].replace(',', ', ')})" for r in agencies if eca_agency(elig, int(r[0]))]
    plain = [str(r[1]) for r in agencies if not eca_agency(elig, int(r[0]))]
    found = []
    if eca_ones and target.eca is not None:
        to = f"turnover to an ECA agency ({'; '.join(eca_ones)})"
        rows = uow.session.execute(q(f"""SELECT DISTINCT l.encounter_id, e.source_id FROM service_line l
            JOIN encounter e ON e.id = l.encounter_id WHERE l.guarantor_id = :g AND {turnover_lines(cfg, elig)}
            ORDER BY e.source_id""", params)).all()
        failed: dict[str, Reason] = {}
        for encounter_id, encounter in rows:
            for code, actual, threshold in target.eca.reasons(int(encounter_id), target.as_of):
                if code not in failed:
                    failed[code] = Reason(code, f"{to}: {eca.REASONS[code]}", actual, threshold, False,
                                          subject=encounter if code == "eca_wait" else None)
        found += list(failed.values()) or [
            Reason("eca", f"{to}: 501(r) allows it (120 days, notice, call)", "met",
                   "120 days, notice 30 days before, a call after it", True)]
    if plain:
        found.append(Reason("eca", f"turnover to an agency that takes no ECA ({', '.join(plain)}): "
                                   "501(r) does not apply", "no ECA kinds", "no ECA kinds", True))
    return found

