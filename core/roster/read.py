"""What the roster screens read: the work lists paged by keyset, one account's roster story,
the populate runs and the letter queue's summary.

Why separate from roster_work: the screens page lists of any length (the large demo puts tens of
thousands of accounts in the roster), so every list here is a count plus keyset pages over one
fixed order — next contact date (none last), status, guarantor — and carries the internal ids a
screen needs to act on a selection. Reads only; the use cases stay in roster_work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from core.models.ledger import Guarantor
from core.models.roster import (
    AccountNote,
    AdjustmentCode,
    BillingGroup,
    LetterTemplate,
    PaymentPlan,
    RosterAccount,
    RosterHistory,
    RosterRun,
)
from core.roster import fap_letter
from core.roster.admin import DEFAULT_SETTINGS, settings
from core.roster.work import plan_alert
from core.security import Actor, require
from core.sql import as_date, days_between, execute
from core.uow import UnitOfWork

FAR = dt.date(9999, 12, 31)   # "no next contact" sorts last
VIEWS = ("work", "due", "dead_end", "review", "approved")


@dataclass(frozen=True)
class RosterRow:
    id: int                  # guarantor id
    source_id: str
    name: str
    status: str
    description: str
    since: dt.date
    days: int                # days in status on the business date
    next_contact: dt.date | None
    past_due_cents: int
    balance_cents: int
    version: int


def _where(view: str, status: str | None) -> str:
    if view not in VIEWS:
        raise ValueError(view)
    conds = ["ra.practice_id = :p", "ra.active = TRUE"]
    if view == "due":
        conds.append("ra.next_contact <= :as_of")
    elif view == "dead_end":
        conds.append("(cs.transfer_to IS NULL OR cs.days_to_remain IS NULL)")
    elif view == "review":
        conds.append("ra.status_code = :review")
    elif view == "approved":
        conds.append("ra.status_code = :approved AND ra.turned_over = FALSE")
    if status:
        conds.append("ra.status_code = :status")
    return " AND ".join(conds)


def _params(uow: UnitOfWork, practice_id: int, as_of: dt.date, status: str | None) -> dict[str, Any]:
    cfg = settings(uow, practice_id)   # read-only: a practice not set up yet has the pre-loaded codes
    review = cfg.review_status if cfg else DEFAULT_SETTINGS["review_status"]
    approved = cfg.approved_status if cfg else DEFAULT_SETTINGS["approved_status"]
    return dict(p=practice_id, as_of=as_of, far=FAR, status=(status or "").upper(),
                review=review or "", approved=approved or "")


FROM = """FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id
          LEFT JOIN collection_status cs ON cs.practice_id = ra.practice_id AND cs.code = ra.status_code"""
ORDER = ("COALESCE(ra.next_contact, :far)", "ra.status_code", "g.source_id", "g.id")


def roster_count(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, view: str = "work",
                 status: str | None = None) -> int:
    require(actor, "viewer", "see the collection roster")
    params = _params(uow, practice_id, as_of, status)
    return int(execute(uow, f"SELECT COUNT(*) {FROM} WHERE {_where(view, status)}", **params).scalar_one())


def roster_page(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, view: str = "work",
                status: str | None = None, *, after: tuple[Any, ...] | None = None,
                before: tuple[Any, ...] | None = None, offset: int | None = None,
                limit: int = 100) -> list[RosterRow]:
    """One page of a roster list in the fixed order, after/before a row's `row_key`, or at an offset."""
    require(actor, "viewer", "see the collection roster")
    params = _params(uow, practice_id, as_of, status)
    where = _where(view, status)
    order = ", ".join(ORDER)
    desc = ", ".join(f"{c} DESC" for c in ORDER)
    key = after if after is not None else before
    if key is not None:
        params.update(k0=key[0], k1=key[1], k2=key[2], k3=key[3])
        where += f" AND ({order}) {'>' if after is not None else '<'} (:k0, :k1, :k2, :k3)"
    sql = f"""SELECT g.id, g.source_id, g.name, ra.status_code, cs.description, ra.status_since,
                     {days_between(uow, ':as_of', 'ra.status_since')} AS days, ra.next_contact,
                     ra.past_due_cents, g.ar_cents - g.escrow_cents AS balance, ra.version
              {FROM} WHERE {where} ORDER BY {desc if before is not None else order}
              LIMIT :limit OFFSET :offset"""
    rows = execute(uow, sql, **params, limit=limit, offset=offset or 0).all()
    # past due was measured at the last populate; payments since lower the balance, and what is
    # past due can never be more than what is still owed
    out = [RosterRow(int(r[0]), r[1], r[2], r[3] or "", r[4] or "", as_date(r[5]), int(r[6] or 0),  # type: ignore[arg-type]
                     as_date(r[7]), min(int(r[8]), max(int(r[9]), 0)), int(r[9]), int(r[10])) for r in rows]
    return out[::-1] if before is not None else out


def row_key(row: RosterRow) -> tuple[Any, ...]:
    return (row.next_contact or FAR, row.status, row.source_id, row.id)


def roster_ids(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, view: str,
               status: str | None = None) -> list[int]:
    """Every guarantor id of a view (a screen's "all matching minus exclusions" selection)."""
    require(actor, "viewer", "see the collection roster")
    params = _params(uow, practice_id, as_of, status)
    return [int(r[0]) for r in execute(uow, f"SELECT g.id {FROM} WHERE {_where(view, status)}", **params).all()]


# --- one account ---------------------------------------------------------------------------------

@dataclass
class AccountView:
    guarantor_id: int
    practice_id: int
    source_id: str
    name: str
    account: RosterAccount | None
    description: str
    alert: str | None
    plan: PaymentPlan | None
    history: list[RosterHistory] = field(default_factory=list)
    notes: list[AccountNote] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)


def account_view(uow: UnitOfWork, actor: Actor, guarantor_id: int, limit: int = 30) -> AccountView:
    """Where one account is in the roster, how it got there, its notes, plan and letters."""
    require(actor, "viewer", "see the collection roster")
    g = uow.session.get(Guarantor, guarantor_id)
    if g is None:
        from core.errors import BadInput
        raise BadInput(f"guarantor: no guarantor with id {guarantor_id}", field="guarantor")
    s = uow.session
    ra = s.exec(select(RosterAccount).where(RosterAccount.guarantor_id == guarantor_id)).first()
    desc = ""
    if ra is not None and ra.status_code:
        desc = execute(uow, "SELECT description FROM collection_status WHERE practice_id = :p AND code = :c",
                       p=g.practice_id, c=ra.status_code).scalar_one_or_none() or ""
    plan = s.exec(select(PaymentPlan).where(PaymentPlan.guarantor_id == guarantor_id,
                                            PaymentPlan.active == True)).first()  # noqa: E712
    history = list(s.exec(select(RosterHistory).where(RosterHistory.guarantor_id == guarantor_id)
                          .order_by(col(RosterHistory.id).desc()).limit(limit)))
    notes = list(s.exec(select(AccountNote).where(AccountNote.guarantor_id == guarantor_id)
                        .order_by(col(AccountNote.id).desc()).limit(limit)))
    letters = [{"status": r[0], "letter": r[1], "queued": as_date(r[2]), "printed": as_date(r[3])}
               for r in execute(uow, """SELECT status_code, template, queued_date, printed_date FROM letter_queue
                                    WHERE guarantor_id = :g ORDER BY id DESC LIMIT :n""",
                                g=guarantor_id, n=limit).all()]
    alert = plan_alert(uow, guarantor_id) if plan is not None else None
    return AccountView(g.id, g.practice_id, g.source_id, g.name, ra, desc, alert, plan,  # type: ignore[arg-type]
                       history, notes, letters)


# --- populate runs and the letter queue ----------------------------------------------------------

def recent_runs(uow: UnitOfWork, actor: Actor, practice_id: int, limit: int = 8) -> list[RosterRun]:
    require(actor, "viewer", "see the collection roster")
    return list(uow.session.exec(select(RosterRun).where(RosterRun.practice_id == practice_id)
                                 .order_by(col(RosterRun.id).desc()).limit(limit)))


def letters_waiting(uow: UnitOfWork, actor: Actor, practice_id: int) -> list[tuple[str, str, int]]:
    """Letters waiting (neither printed nor superseded) by status and template: (status, template, count);
    the financial-assistance letters last, as status FAP."""
    require(actor, "viewer", "see the letter queue")
    rows = execute(uow, """SELECT status_code, template, COUNT(*) FROM letter_queue
                       WHERE practice_id = :p AND printed_date IS NULL AND superseded_date IS NULL
                       GROUP BY status_code, template ORDER BY status_code, template""", p=practice_id).all()
    fap = int(execute(uow, f"""SELECT COUNT(*) FROM fap_letter fl WHERE fl.practice_id = :p
                           AND {fap_letter.WAITING}""", p=practice_id).scalar_one())
    return [(r[0], r[1], int(r[2])) for r in rows] + ([(fap_letter.STATUS, fap_letter.TITLE, fap)] if fap else [])


# --- the admin tables ---------------------------------------------------------------------------

def billing_groups(uow: UnitOfWork, practice_id: int) -> list[BillingGroup]:
    return list(uow.session.exec(select(BillingGroup).where(BillingGroup.practice_id == practice_id)
                                 .order_by(col(BillingGroup.code))))


def adjustment_codes(uow: UnitOfWork, practice_id: int) -> list[AdjustmentCode]:
    return list(uow.session.exec(select(AdjustmentCode).where(AdjustmentCode.practice_id == practice_id)
                                 .order_by(col(AdjustmentCode.code))))


def letter_templates(uow: UnitOfWork, practice_id: int) -> list[LetterTemplate]:
    return list(uow.session.exec(select(LetterTemplate).where(LetterTemplate.practice_id == practice_id)
                                 .order_by(col(LetterTemplate.name))))
