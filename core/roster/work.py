"""Working the roster: Work Accounts (list, notes, manual status change, payment plans, the plan
alert), the Dead-End Report and Review for Turn Over.

A manual change is version-checked: the operator saw version N; if populate or a colleague moved
the account since, the change is refused with who and when, instead of silently overwriting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from core import audit
from core.errors import BadInput, Conflict, NeedsConfirmation, Refused, Summary, SummaryLine
from core.limits import PLAN_DAYS
from core.models.base import saved_id
from core.models.ledger import Guarantor, Practice
from core.models.roster import AccountNote, PaymentPlan, RosterAccount, RosterHistory
from core.money import format_display, format_plain
from core.roster.admin import ensure_defaults, status_map
from core.roster.population import queue_letters
from core.security import Actor, require
from core.sql import as_date, days_between, execute
from core.uow import UnitOfWork

NOTE_MAX = 500
PLAN_MAX_CENTS = 99_999_999  # 999,999.99
WORK_COLUMNS = """g.source_id AS guarantor, g.name, ra.status_code AS status, ra.status_since AS since,
                  ra.next_contact, ra.episode, ra.version, ra.past_due_cents, g.ar_cents, g.escrow_cents"""


def account(uow: UnitOfWork, guarantor_id: int) -> RosterAccount | None:
    return uow.session.exec(select(RosterAccount).where(RosterAccount.guarantor_id == guarantor_id)).first()


def _guarantor(uow: UnitOfWork, guarantor_id: int) -> Guarantor:
    g = uow.session.get(Guarantor, guarantor_id)
    if g is None:
        raise BadInput(f"guarantor: no guarantor with id {guarantor_id}", field="guarantor")
    return g


def _conflict(g: Guarantor, ra: RosterAccount) -> Conflict:
    when = ra.changed_at.strftime("%Y-%m-%d %H:%M") if ra.changed_at else "an earlier time"
    return Conflict(f"account {g.source_id} was changed by {ra.changed_by or 'someone'} at {when} — reload")


def _row(r: Any) -> dict[str, Any]:
    m = r._mapping
    return {"guarantor": m["guarantor"], "name": m["name"], "status": m["status"],
            "since": as_date(m["since"]), "next_contact": as_date(m["next_contact"]), "episode": m["episode"],
            "version": m["version"], "past_due": format_plain(m["past_due_cents"]),
            "balance": format_plain(m["ar_cents"]), "escrow": format_plain(m["escrow_cents"])}


# --- moving one account ------------------------------------------------------------------------

def move_account(uow: UnitOfWork, actor: Actor, g: Guarantor, code: str, as_of: dt.date, reason: str,
                 expected_version: int | None = None) -> RosterAccount:
    """Put one account into status `code` (entering the roster if it is not in it), with its
    history row and the new status's letter. Not committed."""
    gid = saved_id(g)
    ra = account(uow, gid)
    cfg = ensure_defaults(uow, g.practice_id)
    now = uow.now()
    if ra is not None and ra.turned_over:
        raise Refused(f"account {g.source_id} was turned over to the agency on {ra.turned_over_date}")
    if ra is not None and expected_version is not None and ra.version != expected_version:
        raise _conflict(g, ra)
    if ra is None:
        ra = RosterAccount(practice_id=g.practice_id, guarantor_id=gid, active=True, status_code=code,
                           status_since=as_of, episode=1, entered_date=as_of, last_step=reason,
                           changed_by=actor.name, changed_at=now, past_due_cents=0)
        uow.session.add(ra)
        uow.session.flush()
        prev, episode = None, 1
    else:
        if ra.active and ra.status_code == code:
            raise BadInput(f"status: account {g.source_id} is already in status {code}", field="status")
        prev = ra.status_code if ra.active else None
        episode = ra.episode if ra.active else ra.episode + 1
        updated = execute(uow, """
            UPDATE roster_account SET prev_status = :prev, status_code = :code, status_since = :as_of,
                   active = TRUE, episode = :episode, left_date = NULL,
                   entered_date = CASE WHEN active THEN entered_date ELSE :as_of END,
                   last_run_id = NULL, last_step = :reason, changed_by = :op, changed_at = :now,
                   version = version + 1
            WHERE id = :id AND version = :v""", prev=prev, code=code, as_of=as_of, episode=episode,
                          reason=reason, op=actor.name, now=now, id=ra.id, v=ra.version).rowcount
        uow.session.expire(ra)
        if updated != 1:
            raise _conflict(g, account(uow, gid))  # type: ignore[arg-type]
    uow.session.add(RosterHistory(practice_id=g.practice_id, guarantor_id=gid, episode=episode,
                                  from_status=prev, to_status=code, reason=reason, operator=actor.name,
                                  business_date=as_of, at=now))
    queue_letters(uow, cfg, practice_id=g.practice_id, as_of=as_of, operator=actor.name, now=now,
                  guarantor_sql=":g", extra={"g": gid})
    uow.session.flush()
    uow.session.refresh(ra)
    return ra


def change_status(uow: UnitOfWork, actor: Actor, guarantor_id: int, code: str, as_of: dt.date,
                  expected_version: int | None = None) -> RosterAccount:
    """Manual status change from Work Accounts (collector)."""
    require(actor, "collector", "change an account's collection status")
    g = _guarantor(uow, guarantor_id)
    code = (code or "").strip().upper()
    ensure_defaults(uow, g.practice_id)
    if code not in status_map(uow, g.practice_id):
        raise BadInput(f"status: {code!r} is not in the Collection Status Table", field="status")
    before = _snapshot(account(uow, guarantor_id))
    ra = move_account(uow, actor, g, code, as_of, "manual", expected_version)
    audit.record(uow, actor.name, "roster.status.change", "roster_account", [g.source_id], before,
                 _snapshot(ra), business_date=as_of)
    uow.commit()
    return ra


def _snapshot(ra: RosterAccount | None) -> dict[str, Any] | None:
    if ra is None:
        return None
    return {"status": ra.status_code, "active": ra.active, "since": ra.status_since, "episode": ra.episode,
            "version": ra.version}


# --- notes and the work list -------------------------------------------------------------------

def add_note(uow: UnitOfWork, actor: Actor, guarantor_id: int, text: str, as_of: dt.date,
             next_contact: dt.date | None = None) -> AccountNote:
    """A note on the account; the next contact date defaults to the practice's setting."""
    require(actor, "collector", "add account notes")
    g = _guarantor(uow, guarantor_id)
    text = (text or "").strip()
    if not text or len(text) > NOTE_MAX:
        raise BadInput(f"text: a note needs 1-{NOTE_MAX} characters", field="text")
    cfg = ensure_defaults(uow, g.practice_id)
    if next_contact is None:
        next_contact = as_of + dt.timedelta(days=cfg.next_contact_days)
    if next_contact < as_of:
        raise BadInput(f"next-contact: {next_contact} is before the business date {as_of}", field="next_contact")
    note = AccountNote(practice_id=g.practice_id, guarantor_id=guarantor_id, kind="note", text=text,
                       next_contact=next_contact, operator=actor.name, business_date=as_of, at=uow.now())
    uow.session.add(note)
    ra = account(uow, guarantor_id)
    if ra is not None and ra.active:
        ra.next_contact, ra.version = next_contact, ra.version + 1
        ra.changed_by, ra.changed_at = actor.name, uow.now()
        uow.session.add(ra)
    uow.session.flush()
    audit.record(uow, actor.name, "roster.note", "account_note", [g.source_id, note.id], None,
                 {"text": text, "next_contact": next_contact}, business_date=as_of)
    uow.commit()
    return note


def work_list(uow: UnitOfWork, actor: Actor, practice_id: int, status: str | None = None,
              due_by: dt.date | None = None, limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
    """Accounts in the roster by next contact date (none last), then status and guarantor."""
    require(actor, "viewer", "see the collection roster")
    conds = ["ra.practice_id = :p", "ra.active = TRUE"]
    if status:
        conds.append("ra.status_code = :status")
    if due_by:
        conds.append("ra.next_contact <= :due")
    rows = execute(uow, f"""SELECT {WORK_COLUMNS} FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id
                        WHERE {' AND '.join(conds)}
                        ORDER BY CASE WHEN ra.next_contact IS NULL THEN 1 ELSE 0 END, ra.next_contact,
                                 ra.status_code, g.source_id LIMIT :limit OFFSET :offset""",
                   p=practice_id, status=(status or "").upper(), due=due_by, limit=limit, offset=offset).all()
    return [_row(r) for r in rows]


def roster_rows(uow: UnitOfWork, actor: Actor, practice_id: int | None = None, status: str | None = None,
                include_turned_over: bool = False) -> list[dict[str, Any]]:
    """`recoup roster list`: guarantor, status, since, balance (plus practice and past due)."""
    require(actor, "viewer", "see the collection roster")
    conds = ["(ra.active = TRUE OR ra.turned_over = TRUE)" if include_turned_over else "ra.active = TRUE"]
    if practice_id is not None:
        conds.append("ra.practice_id = :p")
    if status:
        conds.append("ra.status_code = :status")
    rows = execute(uow, f"""
        SELECT p.source_id AS practice, {WORK_COLUMNS}, ra.turned_over
        FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id JOIN practice p ON p.id = ra.practice_id
        WHERE {' AND '.join(conds)} ORDER BY p.source_id, g.source_id""",
                   p=practice_id, status=(status or "").upper()).all()
    return [{"practice": r.practice, **_row(r), "turned_over": bool(r.turned_over)} for r in rows]


def plan_alert(uow: UnitOfWork, guarantor_id: int) -> str | None:
    """The payment plan alert shown when an account is opened (when the setting is on)."""
    plan = uow.session.exec(select(PaymentPlan).where(PaymentPlan.guarantor_id == guarantor_id,
                                                      PaymentPlan.active == True)).first()  # noqa: E712
    if plan is None:
        return None
    cfg = ensure_defaults(uow, plan.practice_id)
    if not cfg.plan_alert:
        return None
    kind = "Collection" if plan.kind == "collection" else "Non-delinquent"
    return (f"{kind} payment plan: {format_plain(plan.amount_cents)} every {plan.every_days} days "
            f"from {plan.start_date.isoformat()}")


# --- payment plans -----------------------------------------------------------------------------

def set_plan(uow: UnitOfWork, actor: Actor, guarantor_id: int, amount_cents: int, every_days: int,
             start: dt.date, as_of: dt.date, non_delinquent: bool = False,
             default_status: str | None = None, confirmed: bool = False) -> PaymentPlan:
    """Set up a payment plan (replacing an active one) and move the account to the plan status.

    A collection plan is for an account in the roster; a non-delinquent plan is for an account
    that is not (it enters the roster at the non-delinquent plan status and stays until paid).
    An installment larger than the balance is most likely a typing slip: a validation warning."""
    require(actor, "collector", "set up payment plans")
    g = _guarantor(uow, guarantor_id)
    cfg = ensure_defaults(uow, g.practice_id)
    if not 0 < amount_cents <= PLAN_MAX_CENTS:
        raise BadInput(f"amount: must be more than 0.00 and at most {format_plain(PLAN_MAX_CENTS)}", field="amount")
    PLAN_DAYS.check(every_days, "every_days")
    if default_status and default_status.upper() not in status_map(uow, g.practice_id):
        raise BadInput(f"default-status: status {default_status!r} does not exist", field="default_status")
    code = cfg.nd_plan_status if non_delinquent else cfg.plan_status
    if not code:
        raise Refused("no payment plan status is set in the Patient Collections Integration settings")
    ra = account(uow, guarantor_id)
    in_roster = ra is not None and ra.active
    if not non_delinquent and not in_roster:
        raise BadInput(f"guarantor: account {g.source_id} is not in the collection roster; "
                       "use a non-delinquent plan for an account that is not past due", field="guarantor")
    if non_delinquent and in_roster and ra.status_code != cfg.nd_plan_status:  # type: ignore[union-attr]
        raise BadInput(f"guarantor: account {g.source_id} is in the collection roster (past due); "
                       "set up a collection plan instead", field="guarantor")
    balance = g.ar_cents - g.escrow_cents
    if amount_cents > balance and not confirmed:
        raise NeedsConfirmation(Summary("Payment plan installment larger than the balance", [SummaryLine(
            1, None, f"with an installment of {format_display(amount_cents, symbol=True)}, more than the balance "
                     f"of {format_display(balance, symbol=True)}: the first installment would pay it all",
            noun="plan")]))
    execute(uow, """UPDATE payment_plan SET active = FALSE, ended_date = :as_of, version = version + 1
                WHERE guarantor_id = :g AND active = TRUE""", g=guarantor_id, as_of=as_of)
    plan = PaymentPlan(practice_id=g.practice_id, guarantor_id=guarantor_id,
                       kind="non_delinquent" if non_delinquent else "collection", amount_cents=amount_cents,
                       every_days=every_days, start_date=start,
                       default_status=default_status.upper() if default_status else None,
                       created_by=actor.name, created_at=uow.now())
    uow.session.add(plan)
    uow.session.flush()
    if not (in_roster and ra.status_code == code):  # type: ignore[union-attr]
        move_account(uow, actor, g, code, as_of, "plan")
    audit.record(uow, actor.name, "roster.plan", "payment_plan", [g.source_id, plan.id], None,
                 {"kind": plan.kind, "amount": format_plain(amount_cents), "every_days": every_days,
                  "start": start, "default_status": plan.default_status}, business_date=as_of)
    uow.commit()
    return plan


# --- reports: dead ends and review for turn over -----------------------------------------------

def dead_end_report(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date) -> list[dict[str, Any]]:
    """Accounts in statuses with no automatic transfer (e.g. plan failed): they wait for a person."""
    require(actor, "viewer", "see the Dead-End Report")
    rows = execute(uow, f"""
        SELECT {WORK_COLUMNS}, cs.description, {days_between(uow, ':as_of', 'ra.status_since')} AS days
        FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id
        JOIN collection_status cs ON cs.practice_id = ra.practice_id AND cs.code = ra.status_code
        WHERE ra.practice_id = :p AND ra.active = TRUE AND (cs.transfer_to IS NULL OR cs.days_to_remain IS NULL)
        ORDER BY ra.status_code, ra.status_since, g.source_id""", p=practice_id, as_of=as_of).all()
    return [{**_row(r), "description": r.description, "days_in_status": int(r.days)} for r in rows]


def review_list(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date) -> list[dict[str, Any]]:
    """The Review for Turn Over report: accounts in the review-for-agency status."""
    require(actor, "viewer", "see the Review for Turn Over report")
    cfg = ensure_defaults(uow, practice_id)
    rows = execute(uow, f"""
        SELECT {WORK_COLUMNS}, {days_between(uow, ':as_of', 'ra.status_since')} AS days
        FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id
        WHERE ra.practice_id = :p AND ra.active = TRUE AND ra.status_code = :review
        ORDER BY g.source_id""", p=practice_id, as_of=as_of, review=cfg.review_status or "").all()
    return [{**_row(r), "days_in_status": int(r.days)} for r in rows]


def _review_move(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, from_code: str,
                 to_code: str, reason: str, guarantor_ids: list[int] | None, confirmed: bool,
                 title: str) -> int:
    """Move accounts in `from_code` (all, or the given ones) to `to_code`, set-based."""
    where = "ra.practice_id = :p AND ra.active = TRUE AND ra.status_code = :from_code"
    params: dict[str, Any] = dict(p=practice_id, from_code=from_code, to=to_code, as_of=as_of,
                                  op=actor.name, now=uow.now(), reason=reason)
    if guarantor_ids is not None:
        where += " AND ra.guarantor_id IN :ids"
        params["ids"] = list(guarantor_ids) or [-1]
    n, cents = execute(uow, f"""SELECT COUNT(*), COALESCE(SUM(g.ar_cents), 0) FROM roster_account ra
                            JOIN guarantor g ON g.id = ra.guarantor_id WHERE {where}""", **params).one()
    if not n:
        raise BadInput(f"no accounts in status {from_code} to move", field="guarantor")
    if not confirmed:
        raise NeedsConfirmation(Summary(title, [SummaryLine(int(n), int(cents),
                                                            f"will move from {from_code} to {to_code}")]))
    cfg = ensure_defaults(uow, practice_id)
    execute(uow, f"""
        INSERT INTO roster_history (practice_id, guarantor_id, episode, from_status, to_status, reason,
                                    operator, business_date, at)
        SELECT ra.practice_id, ra.guarantor_id, ra.episode, ra.status_code, :to, :reason, :op, :as_of, :now
        FROM roster_account ra WHERE {where}""", **params)
    execute(uow, f"""
        UPDATE roster_account SET prev_status = status_code, status_code = :to, status_since = :as_of,
               last_run_id = NULL, last_step = :reason, changed_by = :op, changed_at = :now, version = version + 1
        WHERE id IN (SELECT ra.id FROM roster_account ra WHERE {where})""", **params)
    ids_sql = "SELECT guarantor_id FROM roster_history WHERE practice_id = :p AND reason = :reason " \
              "AND business_date = :as_of AND to_status = :to"
    queue_letters(uow, cfg, practice_id=practice_id, as_of=as_of, operator=actor.name, now=params["now"],
                  guarantor_sql=ids_sql, extra={"reason": reason, "to": to_code})
    practice = uow.session.get(Practice, practice_id)
    audit.record(uow, actor.name, f"roster.review.{reason}", "roster_account",
                 [practice.source_id if practice else practice_id], {"status": from_code},
                 {"status": to_code, "accounts": int(n), "balance": format_plain(int(cents))}, business_date=as_of)
    uow.commit()
    return int(n)


def approve(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date,
            guarantor_ids: list[int] | None = None, confirmed: bool = False) -> int:
    """Review for Turn Over: approve accounts for the agency (supervisor)."""
    require(actor, "supervisor", "approve accounts for turn over")
    cfg = ensure_defaults(uow, practice_id)
    if not cfg.review_status or not cfg.approved_status:
        raise Refused("set the review-for-agency and approved-for-agency codes in the integration settings first")
    return _review_move(uow, actor, practice_id, as_of, cfg.review_status, cfg.approved_status, "approve",
                        guarantor_ids, confirmed, "Approve accounts for turn over to the agency")


def send_back(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, to_status: str,
              guarantor_ids: list[int] | None = None, confirmed: bool = False) -> int:
    """Review for Turn Over: send accounts back to a status instead of the agency (supervisor)."""
    require(actor, "supervisor", "send accounts back from review")
    cfg = ensure_defaults(uow, practice_id)
    to_status = (to_status or "").strip().upper()
    if to_status not in status_map(uow, practice_id):
        raise BadInput(f"to: status {to_status!r} does not exist", field="to")
    if not cfg.review_status or to_status == cfg.review_status:
        raise BadInput("to: choose a status other than review-for-agency", field="to")
    return _review_move(uow, actor, practice_id, as_of, cfg.review_status, to_status, "send_back",
                        guarantor_ids, confirmed, f"Send accounts back from review to status {to_status}")
