"""Financial-assistance applications (SPEC 15.5): received, decided, and what a decision sets off.

Why in the kernel: an application stops every workflow at once (an automatic `fap` hold through
core.holds, so eligibility, explain and the tallies see it like any hold), and an approval moves
money (a discount posted through core.ledger) and undoes collections already under way (the
reversal worklist) — none of that belongs to one workflow.

- An application received within 240 days of the guarantor's first statement (or before any
  statement) holds the whole account from the received date while it is pending. One received
  later is recorded without a hold. When another hold already covers the account the
  application is recorded and the note says which hold.
- An incomplete application queues its "missing information" letter (one per application, saying
  what is missing); the letters print run prints it, asking for a reply within REPLY_DAYS of the
  letter date. The hold stays while the practice waits. An application completed or decided
  before its letter printed supersedes the letter.
- A decision ends the hold. An approval posts the discount, code FAP, on every guarantor line
  of the guarantor: discount = percent x (what is still owed + what the patient side paid);
  what the discount cannot take off the balance is a refund due (listed when 5.00 or more;
  Recoup pays nothing out).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from core import audit, holds, ledger
from core.errors import BadInput, Refused
from core.models.compliance import FAP_MISSING_LEN, FapApplication, FapLetter
from core.models.holds import Hold, HoldRelease
from core.models.ledger import Guarantor
from core.money import format_percent, parse_percent
from core.practices import find_account, practice_by_id
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork

FAP_WINDOW_DAYS = 240
REFUND_MIN_CENTS = 500
ADJUSTMENT_CODE = "FAP"
REPLY_DAYS = 30  # the patient is asked to send what is missing within this many days of the letter


@dataclass(frozen=True)
class FapRow:
    id: int
    guarantor: str
    name: str
    received: dt.date
    complete: bool
    decision: str
    discount_pct: str | None
    decided: dt.date | None
    hold_id: int | None
    adjusted_cents: int | None
    refund_cents: int | None
    note: str = ""
    letter: str = ""   # the missing-information letter: waiting, printed DATE, superseded DATE, or ""

    def as_dict(self) -> dict[str, Any]:
        from core.money import format_plain
        return {"application": self.id, "guarantor": self.guarantor, "name": self.name,
                "received": self.received.isoformat(), "complete": self.complete, "decision": self.decision,
                "discount_pct": self.discount_pct, "decided": self.decided.isoformat() if self.decided else None,
                "hold": self.hold_id,
                "adjusted": None if self.adjusted_cents is None else format_plain(self.adjusted_cents),
                "refund_due": None if self.refund_cents is None else format_plain(self.refund_cents),
                "note": self.note, "letter": self.letter}


def letter_state(letter: FapLetter | None) -> str:
    """The missing-information letter in a word or two: waiting, printed DATE, superseded DATE."""
    if letter is None:
        return ""
    if letter.printed_date is not None:
        return f"printed {letter.printed_date.isoformat()}"
    if letter.superseded_date is not None:
        return f"superseded {letter.superseded_date.isoformat()}"
    return "waiting"


def _row(a: FapApplication, g: Guarantor, note: str = "", letter: FapLetter | None = None) -> FapRow:
    assert a.id is not None
    return FapRow(a.id, g.source_id, g.name, a.received_date, a.complete, a.decision, format_percent(a.discount_bp),
                  a.decided_date, a.hold_id, a.adjusted_cents, a.refund_cents, note, letter_state(letter))


def first_statement(uow: UnitOfWork, guarantor_id: int) -> dt.date | None:
    """The guarantor's first statement: the 240-day application window runs from it."""
    return as_date(uow.session.execute(q("SELECT MIN(date) FROM statement WHERE guarantor_id = :g",
                                         {"g": guarantor_id})).scalar_one())


# ------------------------------------------------------------------------------------ receiving

def add_application(uow: UnitOfWork, actor: Actor, practice_id: int, guarantor: str, received: dt.date,
                    complete: bool, as_of: dt.date, missing: str | None = None) -> FapRow:
    """Record an application; within the window it holds the account while it is pending. An
    incomplete one names what is `missing` and queues its missing-information letter."""
    require(actor, "collector", "record financial-assistance applications")
    if received > as_of:
        raise BadInput(f"received: {received} is after the business date {as_of}", field="received")
    if complete and missing is not None and missing.strip():
        raise BadInput("missing: a complete application lacks nothing (leave it out, or record the application "
                       "as incomplete)", field="missing")
    missing = None if complete else check_missing(missing)
    practice = practice_by_id(uow, practice_id)
    g, _ = find_account(uow, practice, guarantor, None)
    assert g.id is not None and practice.id is not None
    app = FapApplication(practice_id=practice.id, guarantor_id=g.id, received_date=received, complete=complete,
                         operator=actor.name, created_at=uow.now())
    uow.session.add(app)
    uow.session.flush()
    note = _hold_for(uow, actor, app, g, as_of)
    letter = None if missing is None else _queue_letter(uow, actor, app, missing, as_of)
    audit.record(uow, actor.name, "fap.add", "fap_application", [app.id, g.source_id], None,
                 {"received": received, "complete": complete, "hold": app.hold_id, "note": note,
                  "missing": missing}, business_date=as_of)
    uow.commit()
    return _row(app, g, note, letter)


# ------------------------------------------------------------------------ the missing-information letter

def check_missing(missing: str | None) -> str:
    """What an incomplete application lacks, as the letter will list it (items separated by ";"
    or new lines), or one clear refusal naming the field."""
    text = (missing or "").strip()
    if not text:
        raise BadInput("missing: say what information or documents the application lacks (the letter lists them)",
                       field="missing")
    if len(text) > FAP_MISSING_LEN:
        raise BadInput(f"missing: at most {FAP_MISSING_LEN} characters ({len(text)} given)", field="missing")
    if not missing_items(text):
        raise BadInput("missing: name at least one item (items are separated by ';' or new lines)", field="missing")
    return text


def missing_items(text: str) -> list[str]:
    """The items of a `missing` text, one per line of the letter."""
    return [item.strip(" -*\t") for item in text.replace(";", "\n").splitlines() if item.strip(" -*\t")]


def _queue_letter(uow: UnitOfWork, actor: Actor, app: FapApplication, missing: str, as_of: dt.date) -> FapLetter:
    assert app.id is not None
    letter = FapLetter(practice_id=app.practice_id, guarantor_id=app.guarantor_id, application_id=app.id,
                       missing=missing, queued_date=as_of, queued_by=actor.name)
    uow.session.add(letter)
    uow.session.flush()
    return letter


def _letter_of(uow: UnitOfWork, application_id: int) -> FapLetter | None:
    return uow.session.exec(select(FapLetter).where(FapLetter.application_id == application_id)).first()


def _pending(uow: UnitOfWork, practice_id: int, application: int, doing: str) -> tuple[FapApplication, Guarantor]:
    app = uow.session.get(FapApplication, application)
    if app is None or app.practice_id != practice_id:
        raise BadInput(f"application: no application {application} in this practice", field="application")
    if app.decision != "pending":
        raise Refused(f"application {application} was already {app.decision} on {app.decided_date}: "
                      f"nothing to {doing}; nothing changed")
    g = uow.session.get(Guarantor, app.guarantor_id)
    assert g is not None
    return app, g


def request_information(uow: UnitOfWork, actor: Actor, practice_id: int, application: int, missing: str,
                        as_of: dt.date) -> FapRow:
    """Ask for what a pending application lacks: marks it incomplete and queues its
    missing-information letter (or rewords the letter while it is still waiting). One letter per
    application: once printed, it is not queued again."""
    require(actor, "collector", "ask for missing financial-assistance information")
    text = check_missing(missing)
    app, g = _pending(uow, practice_id, application, "ask for")
    letter = _letter_of(uow, application)
    before: dict[str, object] = {"complete": app.complete}
    if letter is None or letter.superseded_date is not None:
        if letter is not None:  # superseded unprinted (the application was completed meanwhile): ask again
            before["superseded"] = letter.superseded_date
            letter.superseded_date, letter.queued_date, letter.queued_by = None, as_of, actor.name
            letter.missing, letter.version = text, letter.version + 1
            uow.session.add(letter)
        else:
            letter = _queue_letter(uow, actor, app, text, as_of)
    elif letter.printed_date is not None:
        raise Refused(f"application {application}'s missing-information letter was printed on "
                      f"{letter.printed_date} (one letter per application); nothing changed")
    else:
        before["missing"] = letter.missing
        letter.missing, letter.version = text, letter.version + 1
        uow.session.add(letter)
    app.complete, app.version = False, app.version + 1
    uow.session.add(app)
    uow.session.flush()
    audit.record(uow, actor.name, "fap.missing", "fap_letter", [letter.id, app.id, g.source_id], before,
                 {"complete": False, "missing": text, "queued": letter.queued_date}, business_date=as_of)
    uow.commit()
    return _row(app, g, "missing-information letter waiting for the next print run", letter)


def mark_complete(uow: UnitOfWork, actor: Actor, practice_id: int, application: int, as_of: dt.date) -> FapRow:
    """The patient sent what was missing: the application is complete (a letter still waiting is
    superseded by the next print run, not printed)."""
    require(actor, "collector", "record financial-assistance applications")
    app, g = _pending(uow, practice_id, application, "complete")
    if app.complete:
        raise Refused(f"application {application} is already complete; nothing changed")
    app.complete, app.version = True, app.version + 1
    uow.session.add(app)
    audit.record(uow, actor.name, "fap.complete", "fap_application", [app.id, g.source_id], {"complete": False},
                 {"complete": True}, business_date=as_of)
    uow.commit()
    letter = _letter_of(uow, application)
    return _row(app, g, "complete", letter)


def _hold_for(uow: UnitOfWork, actor: Actor, app: FapApplication, g: Guarantor, as_of: dt.date) -> str:
    """Place the application's automatic hold when it is in the window; the note says why not."""
    assert g.id is not None
    first = first_statement(uow, g.id)
    if first is not None and app.received_date > first + dt.timedelta(days=FAP_WINDOW_DAYS):
        return f"received more than {FAP_WINDOW_DAYS} days after the first statement ({first}): no hold"
    try:
        hold = holds.add_hold(uow, actor.name, g, None, "fap", f"financial-assistance application {app.id}",
                              app.received_date, None, as_of)
    except BadInput as exc:  # another hold covers the account already; nothing was written
        return f"not held by this application: {exc.message.removeprefix('start: ')}"
    app.hold_id = hold.id
    uow.session.add(app)
    return "held while pending"


# ------------------------------------------------------------------------------------ deciding

def decide(uow: UnitOfWork, actor: Actor, practice_id: int, application: int, decision: str, as_of: dt.date, *,
           discount: str | None = None, decided_on: dt.date | None = None) -> FapRow:
    """Approve (with a discount percent) or deny a pending application, in one transaction:
    the discount's adjustments, the hold's release and the audit entry."""
    require(actor, "supervisor", "decide financial-assistance applications")
    app = uow.session.get(FapApplication, application)
    if app is None or app.practice_id != practice_id:
        raise BadInput(f"application: no application {application} in this practice", field="application")
    decided_on = decided_on or as_of
    bp = _check_decision(app, decision, discount, decided_on, as_of)
    if app.decision != "pending":
        raise Refused(f"application {application} was already {app.decision} on {app.decided_date}; nothing changed")
    g = uow.session.get(Guarantor, app.guarantor_id)
    assert g is not None
    uow.lock(f"holds:{g.id}")
    if decision == "approved":
        app.discount_bp = bp
        app.journal_id, app.adjusted_cents, app.refund_cents = _post_discount(uow, actor, practice_id, g, bp,
                                                                              decided_on, as_of)
    _end_hold(uow, actor, app, decision, decided_on, as_of)
    app.decision, app.decided_date, app.version = decision, decided_on, app.version + 1
    uow.session.add(app)
    audit.record(uow, actor.name, "fap.decide", "fap_application", [app.id, g.source_id], {"decision": "pending"},
                 {"decision": decision, "discount_bp": app.discount_bp, "decided": decided_on,
                  "adjusted": app.adjusted_cents, "refund": app.refund_cents}, business_date=as_of)
    uow.commit()
    return _row(app, g)


def _check_decision(app: FapApplication, decision: str, discount: str | None, decided_on: dt.date,
                    as_of: dt.date) -> int | None:
    if decision not in ("approved", "denied"):
        raise BadInput(f"decision: {decision!r} is not approved or denied", field="decision")
    if decided_on > as_of:
        raise BadInput(f"decided: {decided_on} is after the business date {as_of}", field="decided")
    if decided_on < app.received_date:
        raise BadInput(f"decided: {decided_on} is before the application was received ({app.received_date})",
                       field="decided")
    if decision == "denied":
        if discount is not None:
            raise BadInput("discount: a denial takes no discount", field="discount")
        return None
    if discount is None:
        raise BadInput("discount: an approval needs the discount percent (0 to 100)", field="discount")
    return parse_percent(discount, "discount", allow_zero=True)


_LINES = """
    SELECT l.id, l.ar_cents, l.collections_cents,
           (SELECT COALESCE(SUM(CASE WHEN t.bucket_to = 'paid' THEN t.amount_cents
                                     WHEN t.bucket_from = 'paid' THEN -t.amount_cents ELSE 0 END), 0)
            FROM ledger_txn t WHERE t.line_id = l.id AND t.kind = 'payment' AND t.source <> 'insurance')
    FROM service_line l WHERE l.guarantor_id = :g AND l.responsibility = 'guarantor' AND l.dos <= :d
    ORDER BY l.id"""


def _post_discount(uow: UnitOfWork, actor: Actor, practice_id: int, g: Guarantor, bp: int | None,
                   decided_on: dt.date, as_of: dt.date) -> tuple[int | None, int, int]:
    """(journal, adjusted, refund due): the discount off A/R first, then off collections; what is
    left over was paid above the new balance. One account's few lines, posted one by one."""
    assert bp is not None and g.id is not None
    rows = uow.session.execute(q(_LINES, {"g": g.id, "d": decided_on})).all()
    journal = ledger.open_journal(uow, "fap.approve", actor.name, as_of, practice_id)
    adjusted = refund = 0
    for line_id, ar, coll, paid in rows:
        owed = int(ar) + int(coll)
        discount = ((owed + int(paid)) * bp + 5000) // 10000
        off_ar = min(discount, max(int(ar), 0))
        for bucket, cents in (("ar", off_ar), ("collections", min(discount - off_ar, max(int(coll), 0)))):
            if cents > 0:
                ledger.post(uow, journal, practice_id=practice_id, guarantor_id=g.id, line_id=int(line_id),
                            date=decided_on, kind="adjustment", amount_cents=cents, bucket_from=bucket,
                            adjustment_code=ADJUSTMENT_CODE, memo="Financial assistance discount")
                adjusted += cents
        refund += max(discount - max(owed, 0), 0)
    ledger.close_journal(uow, journal)
    return journal.id, adjusted, refund


def _end_hold(uow: UnitOfWork, actor: Actor, app: FapApplication, decision: str, decided_on: dt.date,
              as_of: dt.date) -> None:
    """A decision ends the application's hold (unless someone released it already)."""
    if app.hold_id is None:
        return
    hold = uow.session.get(Hold, app.hold_id)
    released = uow.session.exec(select(HoldRelease).where(HoldRelease.hold_id == app.hold_id)).first()
    if hold is None or released is not None:
        return
    holds.end_hold(uow, actor.name, hold, f"financial assistance {decision}", max(decided_on, hold.start_date), as_of)


# ------------------------------------------------------------------------------------ reading

def list_applications(uow: UnitOfWork, actor: Actor, practice_id: int, *, decision: str | None = None,
                      guarantor: str | None = None) -> list[FapRow]:
    require(actor, "viewer", "see financial-assistance applications")
    if decision is not None and decision not in ("pending", "approved", "denied"):
        raise BadInput(f"decision: {decision!r} is not pending, approved or denied", field="decision")
    stmt = (select(FapApplication, Guarantor, FapLetter)
            .join(Guarantor, col(Guarantor.id) == col(FapApplication.guarantor_id))
            .outerjoin(FapLetter, col(FapLetter.application_id) == col(FapApplication.id))
            .where(col(FapApplication.practice_id) == practice_id)
            .order_by(col(FapApplication.received_date).desc(), col(FapApplication.id).desc()))
    if decision is not None:
        stmt = stmt.where(col(FapApplication.decision) == decision)
    if guarantor is not None:
        stmt = stmt.where(col(Guarantor.source_id) == guarantor)
    return [_row(a, g, letter=fl) for a, g, fl in uow.session.exec(stmt)]


def refunds_due(uow: UnitOfWork, actor: Actor, practice_id: int) -> list[FapRow]:
    """Approved applications whose guarantor paid at least 5.00 above the new balance."""
    return [r for r in list_applications(uow, actor, practice_id, decision="approved")
            if (r.refund_cents or 0) >= REFUND_MIN_CENTS]


@dataclass(frozen=True)
class Reversal:
    """One thing to undo for an approved guarantor: a placed line to recall, a placed debt whose
    close record asks the bureaus to delete it, or a turned-over account to reverse."""
    action: str        # recall | close_delete | reverse_turnover
    guarantor: str
    item: str          # the line, encounter or account
    agency: str | None
    cents: int
    since: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        from core.money import format_plain
        return {"action": self.action, "guarantor": self.guarantor, "item": self.item, "agency": self.agency,
                "amount": format_plain(self.cents), "since": self.since.isoformat() if self.since else None}


_APPROVED = ("SELECT fa.guarantor_id FROM fap_application fa WHERE fa.practice_id = :p "
             "AND fa.decision = 'approved' AND fa.decided_date <= :d")
_REVERSALS = f"""
    SELECT 'recall', g.source_id, l.source_id, a.source_id, l.collections_cents, x.posted_date
    FROM external_placement x JOIN service_line l ON l.id = x.line_id JOIN guarantor g ON g.id = x.guarantor_id
    LEFT JOIN agency a ON a.id = x.agency_id
    WHERE x.practice_id = :p AND x.active = TRUE AND x.state IN ('posted', 'filed') AND x.guarantor_id IN ({_APPROVED})
    UNION ALL
    SELECT 'close_delete', g.source_id, e.source_id, NULL, e.collections_cents, pd.first_placed
    FROM placed_debt pd JOIN encounter e ON e.id = pd.encounter_id JOIN guarantor g ON g.id = pd.guarantor_id
    WHERE pd.practice_id = :p AND pd.closed_date IS NULL AND pd.guarantor_id IN ({_APPROVED})
    UNION ALL
    SELECT 'reverse_turnover', g.source_id, g.source_id, NULL, g.collections_cents, ra.turned_over_date
    FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id
    WHERE ra.practice_id = :p AND ra.turned_over = TRUE AND ra.guarantor_id IN ({_APPROVED})
    ORDER BY 2, 1, 3"""


def reversal_worklist(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date) -> list[Reversal]:
    """What an approval must undo, as of the business date (items leave the list once undone)."""
    require(actor, "viewer", "see the financial-assistance reversal worklist")
    rows = uow.session.execute(q(_REVERSALS, {"p": practice_id, "d": as_of})).all()
    return [Reversal(r[0], r[1], r[2], r[3], int(r[4]), as_date(r[5])) for r in rows]

