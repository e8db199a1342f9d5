"""The transition table of external placements (SPEC 5 "Line states"), as data.

One row per operation: the states a line may be in to take it, the state it ends in, the role an
operator needs, the label messages use and the refusal wording. Operators' single moves and the
nightly and returns batches all read it: core.external.moves adds `x.state IN (<from>)` to every
UPDATE it runs and sets the target state, so a batch cannot move a line the table does not allow,
and the work screens' refusals name the states from the same row. A test walks every
(state, operation) pair (tests/test_external_states.py).

`NEW` stands for a line that has no placement yet (never selected).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models.agencies import ACTIVE_STATES, INACTIVE_STATES, PLACEMENT_STATES

NEW = None  # a line never placed: its selection inserts the placement

STATE_LABELS = {"pending": "Pending", "posted": "Posted", "filed": "Posted (in a file)", "denied": "denied",
                "released": "released (paid while pending)", "reversed": "reversed to A/R",
                "recalled": "recalled by the agency", "closed": "closed by the agency"}
NOT_PLACED = "not in external collections"

SELECT_REFUSAL = ("not an open guarantor balance free of other collections work (already placed, "
                  "in Pre-Collections or collections, turned over, or nothing owed)")


@dataclass(frozen=True)
class Move:
    """One operation on placements. `role` is what an operator needs to take it by hand (None:
    only taken inside the nightly run or a returns import, which check their own role).
    `step` is the name history records (several operations may share one); `enters` is False
    for a move that keeps the line's state and state date (assigning an agency)."""
    op: str
    sources: tuple[str | None, ...]
    target: str
    role: str | None
    label: str
    step: str = ""
    refusal: str = ""  # the reason a line in another state is refused; "" = "needs <sources>"
    enters: bool = True

    @property
    def states(self) -> tuple[str, ...]:
        """The placement states it starts from (NEW left out)."""
        return tuple(s for s in self.sources if s is not NEW)

    @property
    def history_step(self) -> str:
        return self.step or self.op

    @property
    def reason(self) -> str:
        return self.refusal or "needs " + " or ".join(STATE_LABELS[s] for s in self.states)


POSTED = ("posted", "filed")
MOVES: dict[str, Move] = {m.op: m for m in (
    Move("select", (NEW, "denied", "released"), "pending", None, "Select"),  # nightly; denied/released before today
    Move("select-manual", (NEW, *INACTIVE_STATES), "pending", "collector", "Select", step="select",
         refusal=SELECT_REFUSAL),
    Move("release", ("pending",), "released", None, "Release"),
    Move("approve", ("pending",), "posted", "supervisor", "Approve", step="post"),  # also Auto Approve
    Move("deny", ("pending",), "denied", "supervisor", "Deny"),
    Move("assign", ("pending",), "pending", "collector", "Assign agency", enters=False),
    Move("reverse", POSTED, "reversed", "supervisor", "Reverse"),
    Move("reassign", POSTED, "posted", "supervisor", "Reassign"),  # also the nightly reassign by age
    Move("file", ("posted",), "filed", "supervisor", "File"),
    Move("recall", POSTED, "recalled", None, "Recall", refusal="not posted or filed"),
    Move("closed", POSTED, "closed", None, "Close", refusal="not posted or filed"),
    Move("paid", POSTED, "closed", None, "Paid off", refusal="not posted or filed"),
)}

assert all(s in PLACEMENT_STATES for m in MOVES.values() for s in (*m.states, m.target))
assert set(STATE_LABELS) == set(PLACEMENT_STATES)


def transition(state: str | None, op: str) -> str | None:
    """The state a line in `state` (NEW: not placed) ends in after `op`, or None if it may not take it."""
    m = MOVES[op]
    return m.target if state in m.sources else None


def label(state: str | None) -> str:
    return NOT_PLACED if state is NEW else STATE_LABELS.get(state, NOT_PLACED)


def refusal(state: str | None, op: str) -> str | None:
    """Why a line in `state` cannot take `op` (None if it can): "is denied (needs Pending)"."""
    if transition(state, op) is not None:
        return None
    return f"is {label(state)} ({MOVES[op].reason})"


def refused(op: str, lines: list[tuple[str, str | None]]) -> str:
    """The message refusing `op` for these (line, state) pairs, naming each line and its state."""
    named = "; ".join(f"line {src} is {label(state)}" for src, state in lines)
    return f"{MOVES[op].label} refused, nothing was changed: {named} ({MOVES[op].reason})"


def _sql_list(states: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in states)


def starts(op: str, x: str = "x") -> str:
    """SQL over placement `x`: it is in a state `op` starts from (never true for a missing placement)."""
    return f"{x}.state IN ({_sql_list(MOVES[op].states)})"


def cannot_start(op: str, x: str = "x") -> str:
    """SQL over a LEFT JOINed placement `x`: the line may not take `op` because of its state."""
    if NEW in MOVES[op].sources:
        return f"({x}.id IS NOT NULL AND {x}.state NOT IN ({_sql_list(MOVES[op].states)}))"
    return f"({x}.id IS NULL OR {x}.state NOT IN ({_sql_list(MOVES[op].states)}))"


def enter(op: str, date: str = ":d") -> str:
    """The SET assignments that put a placement in `op`'s target state (state, active, state date)."""
    m = MOVES[op]
    active = "TRUE" if m.target in ACTIVE_STATES else "FALSE"
    return f"state = '{m.target}', active = {active}, state_date = {date}"
