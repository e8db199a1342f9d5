"""Collections Admin for the roster: the Collection Status Table, the Patient Collections
Integration settings, billing groups, adjustment codes and letter templates.

Every practice gets a working pre-loaded table the first time the roster touches it
(`ensure_defaults`), so a new practice can populate at once and an admin edits from there.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from sqlmodel import func, select

from core import audit
from core.eligibility import AGING_BASES
from core.errors import BadInput, Refused, agree, counted
from core.limits import DAYS, SETTING_DAYS, Limit
from core.models.ledger import Guarantor, Practice
from core.models.roster import (
    ADJ_CODE_LEN,
    ADJUSTMENT_KINDS,
    CODE_LEN,
    COMMENT_MODES,
    GROUP_LEN,
    LETTER_NAME_LEN,
    SUPPRESS_BY,
    TRANSFER_CHARGES,
    AdjustmentCode,
    BillingGroup,
    CollectionStatus,
    LetterQueue,
    LetterTemplate,
    PaymentPlan,
    RosterAccount,
    RosterSettings,
)
from core.money import format_display, format_percent, parse_percent
from core.practices import find_practice, practice_by_id
from core.roster.letter_content import MERGE_FIELDS
from core.security import Actor, require
from core.uow import UnitOfWork

SYSTEM = "system"

# code, description, days, transfer to, letter
DEFAULT_STATUSES: list[tuple[str, str, int | None, str | None, str | None]] = [
    ("1", "Past Due", 15, "2", "Past Due Reminder"),
    ("2", "Seriously Past Due", 15, "3", "Second Notice"),
    ("3", "Final Notice", 15, "R", "Final Notice"),
    ("R", "Review for Agency", None, None, None),
    ("A", "Approved for Agency", None, None, None),
    ("P", "Payment Plan", None, None, "Payment Plan Confirmation"),
    ("PF", "Payment Plan Failed", None, None, "Payment Plan Failed"),
    ("N", "Non-Delinquent Plan", None, None, "Payment Plan Confirmation"),
    ("NF", "Non-Delinquent Plan Failed", None, None, "Payment Plan Failed"),
    ("PP", "Partial Payment", 30, "3", "Partial Payment"),
]

# The letters' text between the greeting and the signature. The letter around it (letterhead,
# addressee, account number, amount due and due date, plan terms, how to pay, payment stub) is
# printed by core.roster.letter_pdf for every letter, whatever the template says.
DEFAULT_LETTERS: dict[str, str] = {
    "Past Due Reminder": (
        "Dear {guarantor_name},\n\nOur records show a past-due balance of {balance} on your account with "
        "{practice_name}. If you have already sent your payment, thank you. Otherwise please pay the amount "
        "due by {due_date}, or call us to arrange a payment plan.\n\nSincerely,\n{practice_name} Billing Office"),
    "Second Notice": (
        "Dear {guarantor_name},\n\nThis is our second notice: your balance of {balance} with {practice_name} "
        "is seriously past due. Please pay it by {due_date}, or call us to discuss a payment arrangement."
        "\n\nSincerely,\n{practice_name} Billing Office"),
    "Final Notice": (
        "Dear {guarantor_name},\n\nFINAL NOTICE. Your balance of {balance} with {practice_name} remains "
        "unpaid. Unless we receive your payment or hear from you by {due_date}, your account may be referred "
        "to a collection agency.\n\nSincerely,\n{practice_name} Billing Office"),
    "Payment Plan Confirmation": (
        "Dear {guarantor_name},\n\nThank you for setting up a payment plan with {practice_name}. You agreed "
        "to pay {installment} {frequency}; your next payment is due on {next_due_date}. Your current balance "
        "is {balance}. Please make each payment on time; a missed payment ends the plan.\n\nSincerely,\n"
        "{practice_name} Billing Office"),
    "Payment Plan Failed": (
        "Dear {guarantor_name},\n\nWe have not received the payment due under your payment plan with "
        "{practice_name}, so the plan has ended. Your balance of {balance} is now due by {due_date}. "
        "Please call our office at once.\n\nSincerely,\n{practice_name} Billing Office"),
    "Partial Payment": (
        "Dear {guarantor_name},\n\nThank you for your recent payment. Your account with {practice_name} "
        "still has a past-due balance of {balance}. Please pay the rest by {due_date}, or call us to set up "
        "a payment plan.\n\nSincerely,\n{practice_name} Billing Office"),
}

DEFAULT_GROUPS = [("COL", "Turned over to collections", True)]
DEFAULT_ADJ_CODES = [("WO", "Collections write-off", "write_off"),
                     ("CF", "Collection agency fee", "collection_fee"),
                     ("LTR", "Collection letter sent", "letter")]
DEFAULT_SETTINGS: dict[str, Any] = dict(
    age_to_enter=60, auto_populate=True, auto_time="02:00", min_balance_cents=2500,
    suppress_by="account", letters_in_notes=True, letters_in_history=False, letter_adj_code="LTR",
    initial_status="1", plan_status="P", plan_failed_status="PF", nd_plan_status="N",
    nd_plan_failed_status="NF", partial_status="PP", review_status="R", approved_status="A",
    transfer_charges="delinquent", write_off_code="WO", fee_code="CF", collection_fee_bp=0,
    transfer_billing_group="COL", internal_comment="Turned over to collection agency",
    comment_mode="append", plan_alert=True, next_contact_days=7, require_letter_printed=False)

# Settings fields that name a status / an adjustment code / a billing group.
STATUS_FIELDS = ("initial_status", "plan_status", "plan_failed_status", "nd_plan_status",
                 "nd_plan_failed_status", "partial_status", "review_status", "approved_status")
ADJ_FIELDS = ("letter_adj_code", "write_off_code", "fee_code")


# --- lookups ---------------------------------------------------------------------------------

def guarantor_by_source(uow: UnitOfWork, source_id: str, practice_source: str | None = None) -> Guarantor:
    """A guarantor by its source id; the practice is needed only when the id is ambiguous."""
    stmt = select(Guarantor).where(Guarantor.source_id == source_id)
    if practice_source:
        stmt = stmt.where(Guarantor.practice_id == find_practice(uow, practice_source).id)
    found = list(uow.session.exec(stmt.limit(2)))
    if not found:
        raise BadInput(f"guarantor: no guarantor {source_id!r}", field="guarantor")
    if len(found) > 1:
        raise BadInput(f"guarantor: {source_id!r} exists in several practices; give --practice",
                       field="guarantor")
    return found[0]


def guarantor_ids(uow: UnitOfWork, practice_id: int, sources: list[str]) -> list[int]:
    """The guarantors of one practice by their source ids, in the order given (blanks skipped);
    an unknown id is refused by name."""
    ids = []
    for source in (s.strip() for s in sources if s.strip()):
        g = uow.session.exec(select(Guarantor.id).where(Guarantor.practice_id == practice_id,
                                                        Guarantor.source_id == source)).first()
        if g is None:
            raise BadInput(f"guarantors: no guarantor {source!r} in this practice", field="guarantors")
        ids.append(int(g))
    return ids


def settings(uow: UnitOfWork, practice_id: int) -> RosterSettings | None:
    return uow.session.exec(select(RosterSettings).where(RosterSettings.practice_id == practice_id)).first()


def statuses(uow: UnitOfWork, practice_id: int) -> list[CollectionStatus]:
    return list(uow.session.exec(select(CollectionStatus).where(CollectionStatus.practice_id == practice_id)
                                 .order_by(CollectionStatus.code)))


def status_map(uow: UnitOfWork, practice_id: int) -> dict[str, CollectionStatus]:
    return {s.code: s for s in statuses(uow, practice_id)}


# --- defaults --------------------------------------------------------------------------------

def ensure_defaults(uow: UnitOfWork, practice_id: int) -> RosterSettings:
    """The practice's settings, pre-loading the standard table the first time (not committed:
    it joins the caller's transaction). Idempotent."""
    existing = settings(uow, practice_id)
    if existing is not None:
        return existing
    uow.lock(f"roster.defaults.{practice_id}")
    practice = practice_by_id(uow, practice_id)
    s = uow.session
    have = {x.code for x in statuses(uow, practice_id)}
    for code, desc, days, to, letter in DEFAULT_STATUSES:
        if code not in have:
            s.add(CollectionStatus(practice_id=practice_id, code=code, description=desc,
                                   days_to_remain=days, transfer_to=to, letter=letter))
    names = set(s.exec(select(LetterTemplate.name).where(LetterTemplate.practice_id == practice_id)))
    for name, body in DEFAULT_LETTERS.items():
        if name not in names:
            s.add(LetterTemplate(practice_id=practice_id, name=name, body=body))
    groups = set(s.exec(select(BillingGroup.code).where(BillingGroup.practice_id == practice_id)))
    for code, desc, suppress in DEFAULT_GROUPS:
        if code not in groups:
            s.add(BillingGroup(practice_id=practice_id, code=code, description=desc,
                               suppress_collections=suppress))
    adj = set(s.exec(select(AdjustmentCode.code).where(AdjustmentCode.practice_id == practice_id)))
    for code, desc, kind in DEFAULT_ADJ_CODES:
        if code not in adj:
            s.add(AdjustmentCode(practice_id=practice_id, code=code, description=desc, kind=kind))
    row = RosterSettings(practice_id=practice_id, aging_basis=practice.aging_basis, **DEFAULT_SETTINGS)
    s.add(row)
    s.flush()
    audit.record(uow, SYSTEM, "roster.defaults", "roster_settings", [practice.source_id], None,
                 settings_dict(row))
    return row


def settings_dict(row: RosterSettings) -> dict[str, Any]:
    return {k: v for k, v in row.model_dump().items() if k not in ("id", "practice_id", "version")}


def status_dict(row: CollectionStatus | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"code": row.code, "description": row.description, "days_to_remain": row.days_to_remain,
            "transfer_to": row.transfer_to, "letter": row.letter}


# --- the Collection Status Table --------------------------------------------------------------

def find_loop(table: dict[str, tuple[int | None, str | None]], review: str | None) -> list[str] | None:
    """A cycle with no exit, or None.

    Each status with days and a transfer has exactly one way out, so following the transfers
    from any status either stops at a status without a transfer (a dead end, where an operator
    takes over) or comes back round. Coming back round is refused unless the loop passes through
    the review-for-agency status: every pass through it puts the account on the Review for Turn
    Over report, so people see it; any other loop would migrate accounts round for ever unseen.
    """
    for start in sorted(table):
        path: list[str] = []
        code: str | None = start
        while code is not None and code in table and code not in path:
            path.append(code)
            days, to = table[code]
            code = to if days is not None else None
        if code is not None and code in path:
            loop = path[path.index(code):]
            if review is None or review not in loop:
                return [*loop, code]
    return None


def _check_status_fields(code: str, description: str, days: int | None, transfer_to: str | None,
                         letter: str | None) -> None:
    if not code or len(code) > CODE_LEN or not code.isalnum():
        raise BadInput(f"code: {code!r} must be 1-{CODE_LEN} letters or digits", field="code")
    if not description.strip() or len(description) > 40:
        raise BadInput("description: required, at most 40 characters", field="description")
    if days is not None and not 1 <= days <= 999:
        raise BadInput(f"days: {days} must be between 1 and 999 (blank = stays until changed by hand)",
                       field="days")
    if (days is None) != (transfer_to is None):
        raise BadInput("transfer-to: days to remain and transfer-to status go together "
                       "(give both, or neither for a dead end)", field="transfer_to")
    if transfer_to == code:
        raise BadInput(f"transfer-to: status {code} cannot transfer to itself", field="transfer_to")
    if letter is not None and (not letter.strip() or len(letter) > LETTER_NAME_LEN):
        raise BadInput(f"letter: at most {LETTER_NAME_LEN} characters", field="letter")


_KEEP = object()


def set_status(uow: UnitOfWork, actor: Actor, practice_id: int, code: str, *,
               description: str | None = None, days: Any = _KEEP, transfer_to: Any = _KEEP,
               letter: Any = _KEEP) -> CollectionStatus:
    """Add a status or change one. Fields not given keep their value (None clears days,
    transfer and letter)."""
    require(actor, "admin", "edit the Collection Status Table")
    cfg = ensure_defaults(uow, practice_id)
    code = (code or "").strip().upper()
    table = status_map(uow, practice_id)
    row = table.get(code)
    before = status_dict(row)
    new_description = description if description is not None else (row.description if row else None)
    new_days: int | None = row.days_to_remain if (days is _KEEP and row) else (None if days is _KEEP else days)
    new_transfer: str | None = (row.transfer_to if (transfer_to is _KEEP and row)
                                else (None if transfer_to is _KEEP else transfer_to))
    new_letter: str | None = row.letter if (letter is _KEEP and row) else (None if letter is _KEEP else letter)
    if new_description is None:
        raise BadInput("description: required for a new status", field="description")
    DAYS.check(new_days, "days")
    if new_transfer:
        new_transfer = new_transfer.strip().upper()
    _check_status_fields(code, new_description, new_days, new_transfer, new_letter)
    if new_transfer and new_transfer not in table:
        raise BadInput(f"transfer-to: status {new_transfer!r} does not exist", field="transfer_to")
    if new_letter and not uow.session.exec(select(LetterTemplate.id).where(
            LetterTemplate.practice_id == practice_id, LetterTemplate.name == new_letter)).first():
        raise BadInput(f"letter: no letter template named {new_letter!r}", field="letter")
    graph = {c: (s.days_to_remain, s.transfer_to) for c, s in table.items()}
    graph[code] = (new_days, new_transfer)
    loop = find_loop(graph, cfg.review_status)
    if loop:
        raise BadInput("transfer-to: this makes a loop with no exit: " + " -> ".join(loop) +
                       " (accounts would migrate round it for ever; end it in a status without a "
                       "transfer, or pass it through the review-for-agency status)", field="transfer_to")
    if row is None:
        row = CollectionStatus(practice_id=practice_id, code=code, description=new_description)
    row.description, row.days_to_remain = new_description, new_days
    row.transfer_to, row.letter = new_transfer, new_letter
    row.version = (row.version or 0) + (1 if before else 0)
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, actor.name, "roster.status.set", "collection_status",
                 [_practice_source(uow, practice_id), code], before, status_dict(row))
    uow.commit()
    return row


def status_uses(uow: UnitOfWork, practice_id: int, code: str) -> list[str]:
    """Why a status cannot be removed: every place that still names it."""
    s = uow.session
    uses = []
    n = s.exec(select(func.count()).select_from(RosterAccount).where(
        RosterAccount.practice_id == practice_id, RosterAccount.status_code == code,
        (RosterAccount.active == True) | (RosterAccount.turned_over == True))).one()  # noqa: E712
    if n:
        uses.append(f"{counted(n, 'roster account')} {agree(n, 'is', 'are')} in it")
    cfg = settings(uow, practice_id)
    for f in STATUS_FIELDS:
        if cfg is not None and getattr(cfg, f) == code:
            uses.append(f"the integration setting {f.replace('_', ' ')} names it")
    for other in statuses(uow, practice_id):
        if other.transfer_to == code and other.code != code:
            uses.append(f"status {other.code} transfers to it")
    if s.exec(select(PaymentPlan.id).where(PaymentPlan.practice_id == practice_id, PaymentPlan.active == True,  # noqa: E712
                                           PaymentPlan.default_status == code).limit(1)).first():
        uses.append("an active payment plan defaults to it")
    if s.exec(select(LetterQueue.id).where(LetterQueue.practice_id == practice_id, LetterQueue.status_code == code,
                                           LetterQueue.printed_date == None).limit(1)).first():  # noqa: E711
        uses.append("letters queued for it are not printed yet")
    return uses


def remove_status(uow: UnitOfWork, actor: Actor, practice_id: int, code: str) -> None:
    require(actor, "admin", "edit the Collection Status Table")
    ensure_defaults(uow, practice_id)
    code = (code or "").strip().upper()
    row = status_map(uow, practice_id).get(code)
    if row is None:
        raise BadInput(f"code: no status {code!r}", field="code")
    uses = status_uses(uow, practice_id, code)
    if uses:
        raise Refused(f"status {code} is in use and cannot be removed: " + "; ".join(uses))
    before = status_dict(row)
    uow.session.delete(row)
    audit.record(uow, actor.name, "roster.status.remove", "collection_status",
                 [_practice_source(uow, practice_id), code], before, None)
    uow.commit()


def _practice_source(uow: UnitOfWork, practice_id: int) -> str:
    p = uow.session.get(Practice, practice_id)
    return p.source_id if p else str(practice_id)


# --- Patient Collections Integration settings ------------------------------------------------

@dataclass(frozen=True)
class FieldRule:
    kind: str              # int, bool, choice, status, adj, group, text, time, cents, percent (basis points)
    low: int = 0
    high: int = 0
    length: int = 0
    choices: tuple[str, ...] = ()
    nullable: bool = True
    unit: str = ""         # what an int counts ("days"), for the message


SETTING_RULES: dict[str, FieldRule] = {
    "aging_basis": FieldRule("choice", choices=AGING_BASES, nullable=False),
    "age_to_enter": FieldRule("int", SETTING_DAYS.low, SETTING_DAYS.high, unit="days", nullable=False),
    "auto_populate": FieldRule("bool", nullable=False),
    "auto_time": FieldRule("time", nullable=False),
    "min_balance_cents": FieldRule("cents", 0, 999_999_999, nullable=False),  # 10 chars: 9999999.99
    "suppress_by": FieldRule("choice", choices=SUPPRESS_BY, nullable=False),
    "letters_in_notes": FieldRule("bool", nullable=False),
    "letters_in_history": FieldRule("bool", nullable=False),
    "letter_adj_code": FieldRule("adj"),
    "initial_status": FieldRule("status", nullable=False),
    "plan_status": FieldRule("status"), "plan_failed_status": FieldRule("status"),
    "nd_plan_status": FieldRule("status"), "nd_plan_failed_status": FieldRule("status"),
    "partial_status": FieldRule("status"), "review_status": FieldRule("status"),
    "approved_status": FieldRule("status"),
    "transfer_charges": FieldRule("choice", choices=TRANSFER_CHARGES, nullable=False),
    "write_off_code": FieldRule("adj"), "fee_code": FieldRule("adj"),
    "collection_fee_bp": FieldRule("percent", 0, 10000, nullable=False),  # basis points, shown as percent
    "transfer_billing_group": FieldRule("group"),
    "internal_comment": FieldRule("text", length=45),
    "comment_mode": FieldRule("choice", choices=COMMENT_MODES, nullable=False),
    "plan_alert": FieldRule("bool", nullable=False),
    "next_contact_days": FieldRule("int", SETTING_DAYS.low, SETTING_DAYS.high, unit="days", nullable=False),
    "require_letter_printed": FieldRule("bool", nullable=False),
}

def _range_words(rule: FieldRule) -> str:
    """The allowed range as the operator enters it: amounts and percents, not cents and basis points."""
    if rule.kind == "cents":
        return f"must be an amount from {format_display(rule.low)} to {format_display(rule.high)}"
    if rule.kind == "percent":
        return f"must be a percentage from {format_percent(rule.low)} to {format_percent(rule.high)}"
    return Limit(rule.low, rule.high, rule.unit).describe()


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_setting(uow: UnitOfWork, practice_id: int, name: str, value: Any) -> Any:
    rule = SETTING_RULES.get(name)
    field = name.replace("_", "-")
    if rule is None:
        raise BadInput(f"{field}: not a roster setting", field=name)
    if isinstance(value, str) and rule.kind not in ("text",):
        value = value.strip()
    if value is None or value == "":
        if not rule.nullable:
            raise BadInput(f"{field}: a value is required", field=name)
        return None
    if rule.kind == "percent" and isinstance(value, str):  # as the form has it: "33.33", not basis points
        value = parse_percent(value, name, allow_zero=True)
    if rule.kind in ("int", "cents", "percent"):
        if isinstance(value, bool) or not isinstance(value, int) or not rule.low <= value <= rule.high:
            reason = _range_words(rule)
            raise BadInput(f"{field}: {reason}", field=name, reason=reason)
    elif rule.kind == "bool" and not isinstance(value, bool):
        raise BadInput(f"{field}: must be on or off", field=name)
    elif rule.kind == "choice" and value not in rule.choices:
        raise BadInput(f"{field}: must be one of {', '.join(rule.choices)}", field=name)
    elif rule.kind == "time" and not _TIME.match(str(value)):
        raise BadInput(f"{field}: {value!r} is not a time (HH:MM, 24-hour)", field=name)
    elif rule.kind == "text" and len(value) > rule.length:
        raise BadInput(f"{field}: at most {rule.length} characters", field=name)
    elif rule.kind == "status":
        value = value.upper()
        if value not in status_map(uow, practice_id):
            raise BadInput(f"{field}: status {value!r} does not exist in the Collection Status Table", field=name)
    elif rule.kind == "adj":
        value = value.upper()
        if not uow.session.exec(select(AdjustmentCode.id).where(AdjustmentCode.practice_id == practice_id,
                                                                 AdjustmentCode.code == value)).first():
            raise BadInput(f"{field}: adjustment code {value!r} does not exist", field=name)
    elif rule.kind == "group" and not uow.session.exec(
            select(BillingGroup.id).where(BillingGroup.practice_id == practice_id,
                                          BillingGroup.code == value)).first():
        raise BadInput(f"{field}: billing group {value!r} does not exist", field=name)
    return value


def update_settings(uow: UnitOfWork, actor: Actor, practice_id: int, changes: dict[str, Any],
                    expected_version: int | None = None) -> RosterSettings:
    """Change some settings. Every field is checked; nothing changes unless all pass."""
    require(actor, "admin", "change the Patient Collections Integration settings")
    row = ensure_defaults(uow, practice_id)
    if expected_version is not None and row.version != expected_version:
        from core.errors import Conflict
        raise Conflict("the integration settings were changed by someone else — reload")
    clean = {k: _check_setting(uow, practice_id, k, v) for k, v in changes.items()}
    after = {**settings_dict(row), **clean}
    if after["letters_in_history"] and not after["letter_adj_code"]:
        raise BadInput("letter-adj-code: needed when letters go into account history", field="letter_adj_code")
    graph = {c: (s.days_to_remain, s.transfer_to) for c, s in status_map(uow, practice_id).items()}
    if "review_status" in clean and find_loop(graph, after["review_status"]):
        raise BadInput("review-status: the status table has a loop that only this status let through",
                       field="review_status")
    before = settings_dict(row)
    for k, v in clean.items():
        setattr(row, k, v)
    row.version += 1
    uow.session.add(row)
    audit.record(uow, actor.name, "roster.settings", "roster_settings", [_practice_source(uow, practice_id)],
                 {k: before[k] for k in clean}, {k: after[k] for k in clean})
    uow.commit()
    return row


# --- billing groups, adjustment codes, letter templates --------------------------------------

def set_billing_group(uow: UnitOfWork, actor: Actor, practice_id: int, code: str,
                      description: str | None = None, suppress: bool | None = None) -> BillingGroup:
    require(actor, "admin", "edit billing groups")
    ensure_defaults(uow, practice_id)
    code = (code or "").strip()
    if not code or len(code) > GROUP_LEN:
        raise BadInput(f"code: 1-{GROUP_LEN} characters", field="code")
    return _set_code_row(uow, actor, BillingGroup, "billing_group", practice_id, code, description,
                         {"suppress": ("suppress_collections", suppress)})


def set_adjustment_code(uow: UnitOfWork, actor: Actor, practice_id: int, code: str,
                        description: str | None = None, kind: str | None = None) -> AdjustmentCode:
    require(actor, "admin", "edit adjustment codes")
    ensure_defaults(uow, practice_id)
    code = (code or "").strip().upper()
    if not code or len(code) > ADJ_CODE_LEN:
        raise BadInput(f"code: 1-{ADJ_CODE_LEN} characters", field="code")
    if kind is not None and kind not in ADJUSTMENT_KINDS:
        raise BadInput(f"kind: one of {', '.join(ADJUSTMENT_KINDS)}", field="kind")
    return _set_code_row(uow, actor, AdjustmentCode, "adjustment_code", practice_id, code, description,
                         {"kind": ("kind", kind)})


def _set_code_row(uow: UnitOfWork, actor: Actor, model: Any, entity: str, practice_id: int, code: str,
                  description: str | None, extra: dict[str, tuple[str, Any]]) -> Any:
    """Add or update one row of a per-practice code table, audited with before and after.

    `extra` maps each audited name to (column, new value or None for "leave as it is").
    """
    row = uow.session.exec(select(model).where(model.practice_id == practice_id, model.code == code)).first()

    def snapshot(row: Any) -> dict[str, Any]:
        return {"description": row.description, **{name: getattr(row, col) for name, (col, _) in extra.items()}}

    before = None if row is None else snapshot(row)
    if row is None:
        row = model(practice_id=practice_id, code=code, description=description or code)
    else:
        row.version += 1
    if description is not None:
        row.description = description[:40]
    for col, value in extra.values():
        if value is not None:
            setattr(row, col, value)
    uow.session.add(row)
    audit.record(uow, actor.name, f"roster.{entity}.set", entity, [_practice_source(uow, practice_id), code],
                 before, snapshot(row))
    uow.commit()
    return row


def check_template(body: str) -> None:
    """Refuse merge fields that do not exist (a typo would print literally on every letter)."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(body) if f}
    except ValueError as exc:
        raise BadInput(f"body: {exc} (write literal braces as {{{{ and }}}})", field="body") from None
    unknown = sorted(names - set(MERGE_FIELDS))
    if unknown:
        raise BadInput(f"body: unknown merge field(s) {', '.join(unknown)}; known: {', '.join(MERGE_FIELDS)}",
                       field="body")


def set_letter_template(uow: UnitOfWork, actor: Actor, practice_id: int, name: str, body: str) -> LetterTemplate:
    require(actor, "admin", "edit letter templates")
    ensure_defaults(uow, practice_id)
    name = (name or "").strip()
    if not name or len(name) > LETTER_NAME_LEN:
        raise BadInput(f"name: 1-{LETTER_NAME_LEN} characters", field="name")
    if not body.strip():
        raise BadInput("body: a letter needs text", field="body")
    check_template(body)
    row = uow.session.exec(select(LetterTemplate).where(LetterTemplate.practice_id == practice_id,
                                                        LetterTemplate.name == name)).first()
    before = None if row is None else {"body": row.body}
    if row is None:
        row = LetterTemplate(practice_id=practice_id, name=name, body=body)
    else:
        row.body, row.version = body, row.version + 1
    uow.session.add(row)
    audit.record(uow, actor.name, "roster.letter_template.set", "letter_template",
                 [_practice_source(uow, practice_id), name], before, {"body": body})
    uow.commit()
    return row
