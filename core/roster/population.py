"""Populate Collection Roster (SPEC section 6, steps 1-6), set-based.

How one run stays correct and cheap:
- Each account's delinquent amount, total balance, suppression and payments since its last
  populate are computed ONCE into `roster_work` (one INSERT ... SELECT over the service lines).
- Each step is then one UPDATE (or INSERT ... SELECT) over roster_account, followed by one
  INSERT ... SELECT of its history rows (the step stamps `last_run_id`/`last_step` on what it
  moved, so the history insert finds exactly those rows).
- One step per account per populate: every step sets `status_since` to the business date, and
  steps 3-5 only touch accounts whose `status_since` is before it. The same guard makes a second
  run for the same date change nothing: what moved already carries today's date, payments "since
  the last populate" are counted after the practice's last completed run (today's, on a rerun)
  and the account's entry date, and a letter is unique per (guarantor, episode, status).
- Dollars per step are past-due amounts (for accounts that left: the past-due at their previous
  populate, since they have none now).
- "Letters into account history" posts, through core.ledger in a `roster_letters` journal, one
  adjustment of 0.00 per letter on the guarantor (no line) with the letters adjustment code: it
  shows in the account's transactions, moves no balance, and `recoup verify` stays clean.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from core import audit, eligibility, ledger, tallies
from core.eligibility import Rules, account_held_days, account_on_hold, age_cutoff, collectable, of_line
from core.models.base import saved_id
from core.models.roster import RosterRun, RosterSettings
from core.money import format_plain
from core.practices import practice_by_id
from core.roster.admin import ensure_defaults
from core.roster.sql import account_suppressed, delinquent_lines
from core.runs import latest_business_date, refuse_earlier
from core.security import Actor, require
from core.sql import as_date, days_between, execute
from core.uow import UnitOfWork

STEPS = ("leave", "enter", "plan_failed", "partial_payment", "transfer")


@dataclass
class PopulateResult:
    run_id: int
    practice: str
    business_date: dt.date
    left: tuple[int, int] = (0, 0)
    entered: tuple[int, int] = (0, 0)
    plan_failed: tuple[int, int] = (0, 0)
    partial_payment: tuple[int, int] = (0, 0)
    moved: tuple[int, int] = (0, 0)
    letters: int = 0
    notes: int = 0
    history_adjustments: int = 0
    tally: tallies.TallyView | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["tally"] = tallies.as_dict(self.tally) if self.tally else None
        return out

    def run_record(self) -> dict[str, Any]:
        """What the run claim keeps of this run (core.runs): counts and dollars, no patient data."""
        return {"run": self.run_id, "entered": self.entered[0], "entered_dollars": format_plain(self.entered[1]),
                "left": self.left[0], "moved": self.moved[0], "letters": self.letters}


def _not_frozen(elig: Rules, account: str = "roster_account") -> str:
    """AND-condition keeping accounts on hold where they are (SPEC 14): no leaving, no move, no
    letter, the past-due kept as it was; empty when the practice has no holds."""
    return f"AND NOT {account_on_hold(account + '.guarantor_id')}" if elig.any_holds else ""


def _moved_sets(cfg: RosterSettings) -> str:
    """The SET clause shared by every status move a run makes."""
    return ("prev_status = status_code, status_since = :as_of, last_run_id = :run, "
            "changed_by = :op, changed_at = :now, version = version + 1")


def _history(uow: UnitOfWork, params: dict[str, Any], step: str, reason: str) -> None:
    execute(uow, """
        INSERT INTO roster_history (practice_id, guarantor_id, episode, from_status, to_status, reason,
                                    run_id, operator, business_date, at)
        SELECT practice_id, guarantor_id, episode, prev_status, status_code, :reason, :run, :op, :as_of, :now
        FROM roster_account WHERE practice_id = :p AND last_run_id = :run AND last_step = :step""",
        **params, step=step, reason=reason)


def fill_work(uow: UnitOfWork, cfg: RosterSettings, params: dict[str, Any], elig: Rules) -> None:
    """Every candidate account (delinquent now, or in the roster) with its amounts, in one pass.

    The delinquent lines are read once and summed twice: all of them (`candidate_cents`, what the
    tally compares) and those SPEC 14 lets the roster take (`delinquent_cents`, what the steps
    use). The rules are asked in the sum, so only delinquent lines pay for them (not every open
    line, as a guard in the WHERE did), and the tally needs no second read of the lines. An
    account whose delinquent lines the rules all keep out gets a row with nothing delinquent,
    which no step takes (entering needs a delinquent balance; the others act on roster accounts,
    which have their rows anyway)."""
    suppressed = account_suppressed("g") if cfg.suppress_by == "account" else "FALSE"
    allowed = " AND ".join(collectable("roster", of_line("l"), elig))
    execute(uow, f"""
        INSERT INTO roster_work (run_id, guarantor_id, delinquent_cents, candidate_cents, total_cents, suppressed,
                                 paid_since_cents)
        SELECT :run, g.id, COALESCE(d.cents, 0), COALESCE(d.every_cents, 0), g.ar_cents - g.escrow_cents,
               CASE WHEN {suppressed} THEN TRUE ELSE FALSE END, 0
        FROM guarantor g
        LEFT JOIN (SELECT l.guarantor_id, SUM(l.ar_cents) AS every_cents,
                          SUM(CASE WHEN {allowed} THEN l.ar_cents ELSE 0 END) AS cents FROM service_line l
                   WHERE {delinquent_lines(cfg.aging_basis, cfg.suppress_by, elig=elig, guard=False)}
                   GROUP BY l.guarantor_id) d ON d.guarantor_id = g.id
        WHERE g.practice_id = :p
          AND (d.every_cents IS NOT NULL OR EXISTS (SELECT 1 FROM roster_account ra
                                                    WHERE ra.guarantor_id = g.id AND ra.active = TRUE))""",
            **params)
    # Net patient-side payments since each roster account's last populate (reversals subtract).
    execute(uow, """
        UPDATE roster_work SET paid_since_cents = (
            SELECT COALESCE(SUM(CASE WHEN t.bucket_to = 'paid' THEN t.amount_cents ELSE -t.amount_cents END), 0)
            FROM ledger_txn t JOIN roster_account ra ON ra.guarantor_id = t.guarantor_id
            WHERE t.guarantor_id = roster_work.guarantor_id AND t.kind = 'payment'
              AND t.source <> 'insurance' AND (t.bucket_to = 'paid' OR t.bucket_from = 'paid')
              AND t.date > ra.entered_date AND t.date > :prev AND t.date <= :as_of)
        WHERE run_id = :run AND EXISTS (SELECT 1 FROM roster_account ra
                                        WHERE ra.guarantor_id = roster_work.guarantor_id AND ra.active = TRUE)""",
        **params)


def step_leave(uow: UnitOfWork, cfg: RosterSettings, params: dict[str, Any], elig: Rules) -> None:
    """1. Nothing past due any more (non-delinquent plans: nothing owed at all), a suppressed
    billing group, or no balance left at all: the account leaves the roster."""
    nd = [c for c in (cfg.nd_plan_status, cfg.nd_plan_failed_status) if c]
    nd_sql = " OR roster_account.status_code IN (" + ", ".join(f"'{c}'" for c in nd) + ")" if nd else ""
    execute(uow, f"""
        UPDATE roster_account SET active = FALSE, left_date = :as_of, status_code = NULL,
               last_step = 'leave', {_moved_sets(cfg)}
        WHERE practice_id = :p AND active = TRUE AND turned_over = FALSE {_not_frozen(elig)} AND EXISTS (
            SELECT 1 FROM roster_work w WHERE w.run_id = :run AND w.guarantor_id = roster_account.guarantor_id
              AND (w.suppressed OR w.total_cents <= 0 OR (w.delinquent_cents <= 0 AND NOT (
                   EXISTS (SELECT 1 FROM payment_plan pp WHERE pp.guarantor_id = roster_account.guarantor_id
                           AND pp.active = TRUE AND pp.kind = 'non_delinquent'){nd_sql}))))""", **params)
    _history(uow, params, "leave", "leave")
    execute(uow, """
        UPDATE payment_plan SET active = FALSE, ended_date = :as_of, version = version + 1
        WHERE active = TRUE AND practice_id = :p AND guarantor_id IN (
            SELECT guarantor_id FROM roster_account WHERE last_run_id = :run AND last_step = 'leave')""", **params)


def step_enter(uow: UnitOfWork, cfg: RosterSettings, params: dict[str, Any], elig: Rules) -> None:
    """2. Patient accounts whose delinquent charges reach the minimum enter at the initial
    status, unless suppressed or the whole account balance is a credit (or zero)."""
    eligible = """w.run_id = :run AND NOT w.suppressed AND w.total_cents > 0 AND w.delinquent_cents > 0
                  AND w.delinquent_cents >= :min AND g.kind = 'patient'"""
    execute(uow, f"""
        UPDATE roster_account SET active = TRUE, status_code = :initial, episode = episode + 1,
               entered_date = :as_of, left_date = NULL, next_contact = NULL, last_step = 'enter',
               past_due_cents = (SELECT w.delinquent_cents FROM roster_work w
                                 WHERE w.run_id = :run AND w.guarantor_id = roster_account.guarantor_id),
               {_moved_sets(cfg)}
        WHERE practice_id = :p AND active = FALSE AND turned_over = FALSE AND EXISTS (
            SELECT 1 FROM roster_work w JOIN guarantor g ON g.id = w.guarantor_id
            WHERE w.guarantor_id = roster_account.guarantor_id AND {eligible})""", **params)
    execute(uow, f"""
        INSERT INTO roster_account (practice_id, guarantor_id, active, status_code, status_since, episode,
                                    entered_date, past_due_cents, turned_over, last_run_id, last_step,
                                    changed_by, changed_at, version)
        SELECT :p, w.guarantor_id, TRUE, :initial, :as_of, 1, :as_of, w.delinquent_cents, FALSE, :run,
               'enter', :op, :now, 1
        FROM roster_work w JOIN guarantor g ON g.id = w.guarantor_id
        WHERE {eligible} AND NOT EXISTS (SELECT 1 FROM roster_account ra WHERE ra.guarantor_id = w.guarantor_id)""",
        **params)
    _history(uow, params, "enter", "enter")


def _plan_due_sql(uow: UnitOfWork) -> str:
    """Installments whose due date (start + k * every) is before the business date."""
    elapsed = days_between(uow, ":as_of", "pp.start_date")
    return f"(({elapsed} - 1) / pp.every_days + 1)"


def step_plan_failed(uow: UnitOfWork, cfg: RosterSettings, params: dict[str, Any], elig: Rules) -> None:
    """3. A plan whose payments since its start fall short of the installments already due (an
    installment is missed once its due date has passed) sends the account to the failed status:
    the plan's own default status, else the settings' failed status for its kind."""
    target = """COALESCE(pp.default_status, CASE WHEN pp.kind = 'collection' THEN :pf ELSE :ndf END)"""
    paid = """(SELECT COALESCE(SUM(CASE WHEN t.bucket_to = 'paid' THEN t.amount_cents ELSE -t.amount_cents END), 0)
               FROM ledger_txn t WHERE t.guarantor_id = pp.guarantor_id AND t.kind = 'payment'
                 AND t.source <> 'insurance' AND (t.bucket_to = 'paid' OR t.bucket_from = 'paid')
                 AND t.date >= pp.start_date AND t.date <= :as_of)"""
    failing = f"""pp.guarantor_id = roster_account.guarantor_id AND pp.active = TRUE
                  AND pp.start_date < :as_of AND {target} IS NOT NULL
                  AND {paid} < {_plan_due_sql(uow)} * pp.amount_cents"""
    execute(uow, f"""
        UPDATE roster_account SET status_code = (SELECT {target} FROM payment_plan pp WHERE {failing}),
               last_step = 'plan_failed', {_moved_sets(cfg)}
        WHERE practice_id = :p AND active = TRUE AND turned_over = FALSE AND status_since < :as_of
          {_not_frozen(elig)} AND EXISTS (SELECT 1 FROM payment_plan pp WHERE {failing})""", **params)
    _history(uow, params, "plan_failed", "plan_failed")
    execute(uow, """
        UPDATE payment_plan SET active = FALSE, failed_date = :as_of, version = version + 1
        WHERE active = TRUE AND practice_id = :p AND guarantor_id IN (
            SELECT guarantor_id FROM roster_account WHERE last_run_id = :run AND last_step = 'plan_failed')""",
        **params)


def step_partial(uow: UnitOfWork, cfg: RosterSettings, params: dict[str, Any], elig: Rules) -> None:
    """4. Not on a plan, paid something since the last populate, still past due: partial payment.
    Accounts approved for the agency stay where they are (turnover is the next step for them)."""
    if not cfg.partial_status:
        return
    keep = [c for c in (cfg.partial_status, cfg.approved_status) if c]
    execute(uow, f"""
        UPDATE roster_account SET status_code = :partial, last_step = 'partial_payment', {_moved_sets(cfg)}
        WHERE practice_id = :p AND active = TRUE AND turned_over = FALSE AND status_since < :as_of
          {_not_frozen(elig)} AND status_code NOT IN ({", ".join(f"'{c}'" for c in keep)})
          AND NOT EXISTS (SELECT 1 FROM payment_plan pp WHERE pp.guarantor_id = roster_account.guarantor_id
                          AND pp.active = TRUE)
          AND EXISTS (SELECT 1 FROM roster_work w WHERE w.run_id = :run
                      AND w.guarantor_id = roster_account.guarantor_id
                      AND w.paid_since_cents > 0 AND w.delinquent_cents > 0)""", **params)
    _history(uow, params, "partial_payment", "partial_payment")


def step_transfer(uow: UnitOfWork, cfg: RosterSettings, params: dict[str, Any], elig: Rules) -> None:
    """5. Days in status reached days-to-remain: one step to the transfer-to status (with the
    option that the status's letter must have been printed first)."""
    printed = ""
    if cfg.require_letter_printed:
        printed = """AND NOT EXISTS (SELECT 1 FROM letter_queue q WHERE q.guarantor_id = roster_account.guarantor_id
                     AND q.episode = roster_account.episode AND q.status_code = roster_account.status_code
                     AND q.printed_date IS NULL)"""
    due = f"""cs.practice_id = :p AND cs.code = roster_account.status_code AND cs.transfer_to IS NOT NULL
              AND cs.days_to_remain IS NOT NULL
              AND {days_between(uow, ':as_of', 'roster_account.status_since')}
                  - {account_held_days(elig, 'roster_account.status_since', 'roster_account.guarantor_id')}
                  >= cs.days_to_remain"""
    execute(uow, f"""
        UPDATE roster_account SET status_code = (SELECT cs.transfer_to FROM collection_status cs WHERE {due}),
               last_step = 'transfer', {_moved_sets(cfg)}
        WHERE practice_id = :p AND active = TRUE AND turned_over = FALSE AND status_since < :as_of
          {_not_frozen(elig)} AND EXISTS (SELECT 1 FROM collection_status cs WHERE {due}) {printed}""", **params)
    _history(uow, params, "transfer", "transfer")


def queue_letters(uow: UnitOfWork, cfg: RosterSettings, *, practice_id: int, as_of: dt.date,
                  operator: str, now: dt.datetime, run_id: int | None = None,
                  guarantor_sql: str | None = None, extra: dict[str, Any] | None = None,
                  elig: Rules | None = None) -> tuple[int, int, int]:
    """6. Queue each status's letter once per roster episode, with the notes and 0.00 history
    adjustments the settings ask for. `guarantor_sql` narrows it (a manual change). Returns
    (letters, notes, adjustments)."""
    params: dict[str, Any] = dict(p=practice_id, as_of=as_of, run=run_id, op=operator, now=now, **(extra or {}),
                                  **(elig.params() if elig else {}))
    before = int(execute(uow, "SELECT COALESCE(MAX(id), 0) FROM letter_queue").scalar_one())
    narrow = f"AND ra.guarantor_id IN ({guarantor_sql})" if guarantor_sql else ""
    execute(uow, f"""
        INSERT INTO letter_queue (practice_id, guarantor_id, status_code, template, episode, queued_date, run_id)
        SELECT ra.practice_id, ra.guarantor_id, ra.status_code, cs.letter, ra.episode, :as_of, CAST(:run AS BIGINT)
        FROM roster_account ra JOIN collection_status cs ON cs.practice_id = ra.practice_id
                                                         AND cs.code = ra.status_code
        WHERE ra.practice_id = :p AND ra.active = TRUE AND ra.turned_over = FALSE AND cs.letter IS NOT NULL {narrow}
          {_not_frozen(elig, "ra") if elig else ""}
          AND NOT EXISTS (SELECT 1 FROM letter_queue q WHERE q.guarantor_id = ra.guarantor_id
                          AND q.episode = ra.episode AND q.status_code = ra.status_code)""", **params)
    new = "q.practice_id = :p AND q.id > :before"
    params["before"] = before
    letters = int(execute(uow, f"SELECT COUNT(*) FROM letter_queue q WHERE {new}", **params).scalar_one())
    notes = adjustments = 0
    if letters and cfg.letters_in_notes:
        notes = execute(uow, f"""
            INSERT INTO account_note (practice_id, guarantor_id, kind, text, next_contact, operator, business_date, at)
            SELECT q.practice_id, q.guarantor_id, 'letter',
                   'Collection letter queued: ' || q.template || ' (status ' || q.status_code || ')',
                   NULL, :op, :as_of, :now
            FROM letter_queue q WHERE {new}""", **params).rowcount
    if letters and cfg.letters_in_history and cfg.letter_adj_code:
        journal = ledger.open_journal(uow, "roster_letters", operator, as_of, practice_id)
        adjustments = execute(uow, f"""
            INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
                                    bucket_from, bucket_to, amount_cents, adjustment_code, memo)
            SELECT q.practice_id, :j, q.guarantor_id, NULL, :as_of, 'adjustment', 'system', 'ar', 'adjusted', 0,
                   :code, 'Collection letter: ' || q.template
            FROM letter_queue q WHERE {new}""", **params, j=journal.id, code=cfg.letter_adj_code).rowcount
        ledger.close_journal(uow, journal)
    return letters, notes, adjustments


def _finish(uow: UnitOfWork, params: dict[str, Any], elig: Rules) -> dict[str, tuple[int, int]]:
    """Remember each account's past-due where it changed (writing only those rows); count what
    each step did."""
    execute(uow, f"""
        UPDATE roster_account SET last_populate = :as_of,
               past_due_cents = (SELECT w.delinquent_cents FROM roster_work w
                                 WHERE w.run_id = :run AND w.guarantor_id = roster_account.guarantor_id)
        WHERE practice_id = :p AND active = TRUE {_not_frozen(elig)} AND EXISTS (
            SELECT 1 FROM roster_work w WHERE w.run_id = :run AND w.guarantor_id = roster_account.guarantor_id
              AND w.delinquent_cents <> roster_account.past_due_cents)""", **params)
    rows = execute(uow, """SELECT last_step, COUNT(*), COALESCE(SUM(past_due_cents), 0) FROM roster_account
                       WHERE practice_id = :p AND last_run_id = :run GROUP BY last_step""", **params).all()
    return {step: (int(n), int(c)) for step, n, c in rows}


def _previous_run(uow: UnitOfWork, practice_id: int, as_of: dt.date) -> dt.date:
    """The business date of the last completed populate on or before `as_of` ("since the last
    populate" counts payments after it); a practice's first run counts from each entry date."""
    prev = execute(uow, """SELECT MAX(business_date) FROM roster_run WHERE practice_id = :p AND outcome = 'done'
                       AND business_date <= :as_of""", p=practice_id, as_of=as_of).scalar_one()
    return as_date(prev) or dt.date.min


def latest_populate(uow: UnitOfWork, practice_id: int) -> dt.date | None:
    """The business date of the practice's latest completed populate (None: never populated)."""
    return latest_business_date(uow, "roster_run", "practice_id = :p AND outcome = 'done'", {"p": practice_id})


def populate(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date,
             progress: Callable[[str, int, int], None] | None = None) -> PopulateResult:
    """Populate the practice's roster for business date `as_of`; one transaction, one audit entry.
    `progress(step, done, total)` is called between steps (the application's progress bar)."""
    require(actor, "collector", "populate the collection roster")
    practice = practice_by_id(uow, practice_id)
    uow.lock(f"roster.populate.{practice_id}")
    refuse_earlier("Populate Collection Roster", as_of, latest_populate(uow, practice_id),
                   f"practice {practice.source_id}")
    cfg = ensure_defaults(uow, practice_id)
    now = uow.now()
    run_row = RosterRun(practice_id=practice_id, business_date=as_of, operator=actor.name, started_at=now)
    uow.session.add(run_row)
    uow.session.flush()
    params: dict[str, Any] = dict(
        p=practice_id, run=run_row.id, as_of=as_of, now=now, op=actor.name, prev=_previous_run(uow, practice_id, as_of),
        cutoff=age_cutoff(as_of, cfg.age_to_enter), min=cfg.min_balance_cents,
        initial=cfg.initial_status, pf=cfg.plan_failed_status, ndf=cfg.nd_plan_failed_status,
        partial=cfg.partial_status)
    elig = eligibility.rules_for(uow, practice, as_of)
    params.update(elig.params())
    steps = (step_leave, step_enter, step_plan_failed, step_partial, step_transfer)
    report = progress or (lambda name, done, total: None)
    report("reading balances", 0, len(steps) + 2)
    fill_work(uow, cfg, params, elig)
    for i, step in enumerate(steps, start=1):
        report(step.__name__.removeprefix("step_"), i, len(steps) + 2)
        step(uow, cfg, params, elig)
    report("letters", len(steps) + 1, len(steps) + 2)
    letters, notes, adjustments = queue_letters(uow, cfg, practice_id=practice_id, as_of=as_of,
                                                operator=actor.name, now=now, run_id=run_row.id, elig=elig)
    counts = _finish(uow, params, elig)
    result = PopulateResult(saved_id(run_row), practice.source_id, as_of,
                            left=counts.get("leave", (0, 0)), entered=counts.get("enter", (0, 0)),
                            plan_failed=counts.get("plan_failed", (0, 0)),
                            partial_payment=counts.get("partial_payment", (0, 0)),
                            moved=counts.get("transfer", (0, 0)), letters=letters, notes=notes,
                            history_adjustments=adjustments)
    result.tally = _tally(uow, cfg, params, elig, counts)
    execute(uow, "DELETE FROM roster_work WHERE run_id = :run", **params)  # the tally read them too
    _record_run(uow, run_row, result)
    report("done", len(steps) + 2, len(steps) + 2)
    audit.record(uow, actor.name, "roster.populate", "roster_run", [practice.source_id, run_row.id], None,
                 result.as_dict(), business_date=as_of)
    uow.commit()
    return result


def _tally(uow: UnitOfWork, cfg: RosterSettings, params: dict[str, Any], elig: Rules,
           counts: dict[str, tuple[int, int]]) -> tallies.TallyView:
    """Accounts that would have entered the roster but for SPEC 14 (their delinquent charges,
    counted without the rules, reach the minimum, yet they are not in the roster after the run),
    each under the first reason found on one of its delinquent lines; and what each step did.
    The candidates are the run's own work rows (`fill_work`), so only their lines are read again,
    and each line is asked the reasons by its own keys (`eligibility.reasons`): for a few thousand
    lines that is cheaper than building the practice-wide sets the batch's guard probes."""
    counter = tallies.Counter(uow, "roster_populate", params["p"], params["as_of"], params["op"],
                              f"roster_run {params['run']}")
    on_line = delinquent_lines(cfg.aging_basis, cfg.suppress_by, "l3", elig, guard=False)
    counter.exclude_accounts("""SELECT w.guarantor_id, w.candidate_cents AS cents FROM roster_work w
        JOIN guarantor g ON g.id = w.guarantor_id
        WHERE w.run_id = :run AND g.kind = 'patient' AND w.candidate_cents > 0 AND w.candidate_cents >= :min
          AND w.total_cents > 0 AND NOT w.suppressed
          AND NOT EXISTS (SELECT 1 FROM roster_account ra WHERE ra.guarantor_id = w.guarantor_id
                          AND (ra.active = TRUE OR ra.turned_over = TRUE))""", on_line, params,
        eligibility.reasons("roster", of_line("l3"), elig))
    for step, (n, cents) in counts.items():
        counter.took(STEP_WORDS.get(step, step), n, cents)
    return counter.finish(counts.get("enter", (0, 0)))


STEP_WORDS = {"leave": "left", "enter": "entered", "plan_failed": "plan failed", "partial_payment": "partial payment",
              "transfer": "moved to the next status"}


def _record_run(uow: UnitOfWork, row: RosterRun, r: PopulateResult) -> None:
    row.left_count, row.left_cents = r.left
    row.entered_count, row.entered_cents = r.entered
    row.plan_failed_count, row.plan_failed_cents = r.plan_failed
    row.partial_count, row.partial_cents = r.partial_payment
    row.moved_count, row.moved_cents = r.moved
    row.letters_count, row.notes_count, row.history_adjustments = r.letters, r.notes, r.history_adjustments
    row.ended_at = uow.now()
    row.outcome = "done"
    uow.session.add(row)


def examples(uow: UnitOfWork, run_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The first accounts a populate moved (entered, left, changed status), for the nightly preview."""
    rows = execute(uow, """SELECT h.reason, g.source_id, g.name, h.from_status, h.to_status, ra.past_due_cents
        FROM roster_history h JOIN guarantor g ON g.id = h.guarantor_id
        JOIN roster_account ra ON ra.guarantor_id = h.guarantor_id
        WHERE h.run_id = :run ORDER BY h.id LIMIT :n""", run=run_id, n=limit)
    return [{"step": r[0], "guarantor": r[1], "name": r[2], "from": r[3], "to": r[4], "cents": int(r[5])}
            for r in rows]
