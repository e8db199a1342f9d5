"""The transition table of encounter collections (SPEC section 3), as data.

One table answers every question about a move: is this action allowed in this state, for this
kind of guarantor, by this role, where does the task end up, and what happens to the money.
Setting an action, applying actions in bulk (set-based SQL) and the dashboards' one-encounter
"To Collections" all read it, so they cannot disagree; a test walks every (state, action) pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models.precollections import ACTIONS, ON_LIST_STATES, TASK_STATES

STATE_LABELS = {
    "pre": "Pre-Collections",
    "not_sent": "In Collections/Not Sent",
    "sent": "In Collections/Sent",
    "removed": "removed from Pre-Collections",
    "written_off": "written off",
    "returned": "removed from Collections (back in A/R)",
    "withdrawn": "removed from the Sent list (the agency still holds it)",
    "dropped": "dropped by a rebuilt list",
}

ACTION_LABELS = {
    "send-to-collections": "Send to Collections",
    "remove": "Remove from Pre-Collections",
    "write-off": "Write-Off",
    "remove-from-pending": "Remove from Pending to Agency",
    "send-to-agency": "Send to Sent to Agency",
    "remove-from-collections": "Remove from Collections",
}

SENT_NOTE = ("the agency still holds it: removing a Sent encounter only takes it off this list; "
             "best practice: do not remove after sending")


@dataclass(frozen=True)
class Transition:
    """One allowed move. `ledger` is (from bucket, to bucket) for the encounter's balance, or None."""
    state: str
    action: str
    target: str
    role: str
    warning: str  # completes "N items ..." in the validation warning
    kinds: tuple[str, ...] = ("patient", "employer")
    ledger: tuple[str, str] | None = None
    txn_kind: str | None = None  # the ledger_txn.kind of the postings
    needs_balance: bool = False  # refuse unless the encounter has a positive guarantor A/R balance
    needs_agency: bool = False
    note: str | None = None  # added to the validation warning when this move is in it

    @property
    def on_list(self) -> bool:
        return self.target in ON_LIST_STATES


TRANSITIONS: dict[tuple[str, str], Transition] = {(t.state, t.action): t for t in (
    Transition("pre", "send-to-collections", "not_sent", "supervisor", "will be sent to Collections",
               ledger=("ar", "collections"), txn_kind="transfer", needs_balance=True),
    Transition("pre", "remove", "removed", "collector", "will be removed from Pre-Collections"),
    Transition("pre", "write-off", "written_off", "supervisor", "will be written off",
               ledger=("ar", "written_off"), txn_kind="write_off", needs_balance=True),
    Transition("not_sent", "send-to-agency", "sent", "supervisor", "will be sent to the agency",
               needs_agency=True),
    Transition("not_sent", "remove-from-pending", "pre", "supervisor",
               "will be removed and changed to Pre-Collections (back in A/R)",
               ledger=("collections", "ar"), txn_kind="transfer"),
    Transition("not_sent", "remove-from-collections", "returned", "supervisor",
               "will be removed from Collections and returned to A/R", kinds=("employer",),
               ledger=("collections", "ar"), txn_kind="transfer"),
    Transition("sent", "remove-from-collections", "withdrawn", "supervisor",
               "will be taken off the In Collections/Sent list", kinds=("employer",), note=SENT_NOTE),
)}

assert all(s in TASK_STATES and a in ACTIONS for s, a in TRANSITIONS)


def transition(state: str, action: str) -> Transition | None:
    return TRANSITIONS.get((state, action))


def allowed_actions(state: str) -> list[str]:
    """The actions an operator may set on a task in this state, in menu order."""
    return [a for a in ACTIONS if (state, a) in TRANSITIONS]


def refusal(state: str, action: str, kind: str | None = None) -> str | None:
    """Why this action cannot be taken in this state for this guarantor kind (None if it can)."""
    t = transition(state, action)
    if t is None:
        where = STATE_LABELS.get(state, state)
        return f"{ACTION_LABELS.get(action, action)} is not allowed for an encounter {_in(state)}{where}"
    if kind is not None and kind not in t.kinds:
        return f"{ACTION_LABELS[action]} is for {' and '.join(k + 's' for k in t.kinds)} only"
    return None


def _in(state: str) -> str:
    return "in " if state in ON_LIST_STATES else ""
