"""Every (state, operation) pair of the external placements' transition table, through the real use
cases: an allowed pair lands where the table says (with a history row from -> to under the
table's step); any other pair is refused naming the line, and nothing changes. The nightly run's
steps are walked too: each line ends where the table's select -> approve -> file chain takes it.
Everything happens at explicit business dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from core import external, ledger
from core.errors import BadInput, Refused
from core.external.states import MOVES, NEW, refusal, transition
from core.models.agencies import PLACEMENT_STATES
from core.models.ledger import Encounter, Practice
from tests import factories as f
from tests.exchange_files import write_returns
from tests.external_helpers import agency, assert_verified, line_aged, placements, run, snapshot

D = dt.date(2026, 11, 23)  # the business date of the walk
STATES: tuple[str | None, ...] = (NEW, *PLACEMENT_STATES)
BY_HAND = ("approve", "deny", "assign", "reverse", "reassign", "select-manual")
RETURNS = ("recall", "closed", "paid")
RECORD = {"recall": "recall,{line},,{d},,,", "closed": "closed,{line},,{d},,,",
          "paid": "payment,{line},,{d},100.00,0,"}


def test_the_table_is_what_the_spec_says() -> None:
    assert {op: (m.sources, m.target, m.role, m.history_step) for op, m in MOVES.items()} == {
        "select": ((None, "denied", "released"), "pending", None, "select"),
        "select-manual": ((None, "denied", "released", "reversed", "recalled", "closed"), "pending", "collector",
                          "select"),
        "release": (("pending",), "released", None, "release"),
        "approve": (("pending",), "posted", "supervisor", "post"),
        "deny": (("pending",), "denied", "supervisor", "deny"),
        "assign": (("pending",), "pending", "collector", "assign"),
        "reverse": (("posted", "filed"), "reversed", "supervisor", "reverse"),
        "reassign": (("posted", "filed"), "posted", "supervisor", "reassign"),
        "file": (("posted",), "filed", "supervisor", "file"),
        "recall": (("posted", "filed"), "recalled", None, "recall"),
        "closed": (("posted", "filed"), "closed", None, "closed"),
        "paid": (("posted", "filed"), "closed", None, "paid"),
    }
    assert refusal("posted", "approve") == "is Posted (needs Pending)"
    assert refusal(NEW, "reverse") == "is not in external collections (needs Posted or Posted (in a file))"
    assert refusal("denied", "select-manual") is None


def _name(state: str | None, op: str) -> str:
    return f"{state or 'new'}.{op}"


def _line(state: str | None, op: str) -> str:
    return f"{_name(state, op)}-1"


def _call(uow: Any, fn: Any, *args: Any, **kw: Any) -> Any:
    with uow() as u:
        return fn(u, *args, **kw)


def _returns(uow: Any, admin: Any, p: Practice, tmp: Path, records: list[str], name: str) -> dict[str, Any]:
    path = write_returns(tmp / f"{name}.csv", records, practice=p.source_id, agency="AG1")
    return _call(uow, external.import_returns, admin, p.id, "AG1", path, D, confirmed=True)


def _pay_off(uow: Any, encounters: list[str]) -> None:
    """The guarantor pays these encounters' lines to zero (so the nightly releases them from Pending)."""
    with uow() as u:
        for enc in encounters:
            e = u.session.execute(text("SELECT id FROM encounter WHERE source_id = :s"), {"s": enc}).scalar_one()
            f.pay(u, u.session.get(Encounter, e), 10000, D)
        u.commit()


def _bounce(uow: Any, p: Practice, lines: list[str]) -> None:
    """The payments bounced: each line's balance is back in A/R (paid -> ar), as after a returned check."""
    with uow() as u:
        j = ledger.open_journal(u, "test.bounce", "test", D, p.id)
        for line in lines:
            lid, gid = u.session.execute(text("SELECT id, guarantor_id FROM service_line WHERE source_id = :s"),
                                         {"s": line}).one()
            ledger.post(u, j, practice_id=p.id, guarantor_id=gid, line_id=lid, date=D, kind="payment",
                        amount_cents=10000, bucket_from="paid", bucket_to="ar", source="patient")
        ledger.close_journal(u, j)
        u.commit()


def _bring_to_states(uow: Any, admin: Any, p: Practice, tmp: Path, names: dict[str | None, list[str]],
                     new_age: int = 10) -> None:
    """One line (of 100.00) per encounter name, brought to the state it is listed under by the real
    use cases at D: nightly selection (AG1, over 60 days), deny, approve, file, reverse, returns."""
    with uow() as u:
        g = f.guarantor(u, u.session.get(Practice, p.id), "G1")
        for state, encs in names.items():
            for enc in encs:
                line_aged(u, u.session.get(Practice, p.id), g, new_age if state is NEW else 100, "100.00", as_of=D,
                          source_id=enc)
        u.commit()
    run(uow, admin, p, D, tmp)
    lines = {s: [f"{e}-1" for e in encs] for s, encs in names.items()}
    if lines.get("denied"):
        _call(uow, external.deny, admin, p.id, D, lines["denied"], confirmed=True)
    if lines.get("filed"):
        _call(uow, external.approve, admin, p.id, D, lines["filed"], confirmed=True)
        _call(uow, external.create_file, admin, p.id, "AG1", D, tmp, confirmed=True)
    later = [ln for s in ("posted", "reversed", "recalled", "closed") for ln in lines.get(s, [])]
    if later:
        _call(uow, external.approve, admin, p.id, D, later, confirmed=True)
    if lines.get("reversed"):
        _call(uow, external.reverse, admin, p.id, D, lines["reversed"], confirmed=True)
    back = [f"{rec},{ln},,{D},,,"
            for rec, s in (("recall", "recalled"), ("closed", "closed")) for ln in lines.get(s, [])]
    if back:
        _returns(uow, admin, p, tmp, back, "setup")
    if names.get("released"):
        _pay_off(uow, names["released"])
        run(uow, admin, p, D, tmp)            # the release step; nothing else is due again today
        _bounce(uow, p, lines["released"])    # so the balance is open again (manual selection may take it)
    got = placements(uow)
    for state, lns in lines.items():
        assert all(got.get(ln, (NEW,))[0] == state for ln in lns), (state, {ln: got.get(ln) for ln in lns})


@pytest.fixture
def walk(uow: Any, admin: Any, tmp_path: Path) -> Practice:
    """A line in every state for every operation, with AG1 (automatic, over 60 days) and AG2 (manual)."""
    with uow() as u:
        p = f.practice(u)
        u.commit()
    agency(uow, admin, p, "AG1", "0.00", 60)
    agency(uow, admin, p, "AG2", None, None)
    _bring_to_states(uow, admin, p, tmp_path, {s: [_name(s, op) for op in BY_HAND + RETURNS] for s in STATES})
    return p


def _by_hand(uow: Any, admin: Any, p: Practice, op: str, line: str) -> None:
    if op in ("assign", "reassign"):
        _call(uow, getattr(external, op), admin, p.id, D, "AG2", [line], confirmed=True)
    elif op == "select-manual":
        _call(uow, external.select_manual, admin, p.id, D, [line], "AG2", confirmed=True)
    else:
        _call(uow, getattr(external, op), admin, p.id, D, [line], confirmed=True)


def _last_history(uow: Any, line: str) -> tuple[Any, ...]:
    with uow(write=False) as u:
        return tuple(u.session.execute(text(
            "SELECT h.from_state, h.to_state, h.step FROM external_history h JOIN external_placement x "
            "ON x.id = h.placement_id JOIN service_line l ON l.id = x.line_id WHERE l.source_id = :s "
            "ORDER BY h.id DESC LIMIT 1"), {"s": line}).one())


def _refused_by_name(op: str, state: str | None, line: str) -> str:
    """The words that refuse `op` for this line, by the table's refusal wording."""
    if op in RETURNS:
        return f"line {line}: " + ("not placed in external collections" if state is NEW
                                   else f"is {state}, {MOVES[op].reason}")
    if op == "select-manual":
        return f"line {line}: {MOVES[op].reason}"
    return f"line {line} {refusal(state, op)}"


def _take(uow: Any, admin: Any, p: Practice, tmp: Path, op: str, state: str | None, line: str) -> None:
    if op in RETURNS:
        _returns(uow, admin, p, tmp, [RECORD[op].format(line=line, d=D)], _name(state, op))
    else:
        _by_hand(uow, admin, p, op, line)


def test_every_state_operation_pair(uow: Any, admin: Any, walk: Practice, tmp_path: Path) -> None:
    n = 0
    for state in STATES:
        for op in BY_HAND + RETURNS:
            n += 1
            line = _line(state, op)
            target = transition(state, op)
            if target is not None:
                _take(uow, admin, walk, tmp_path, op, state, line)
                assert placements(uow)[line][0] == target, (state, op)
                assert _last_history(uow, line) == (state, target, MOVES[op].history_step), (state, op)
            else:
                before = snapshot(uow)
                with pytest.raises((Refused, BadInput)) as exc:
                    _take(uow, admin, walk, tmp_path, op, state, line)
                problems = getattr(exc.value, "problems", None) or [exc.value.message]
                assert _refused_by_name(op, state, line) in problems[0], (state, op, problems)
                assert snapshot(uow) == before, (state, op)
    assert n == 9 * 9
    assert_verified(uow)


def test_the_nightly_run_moves_each_state_along_the_table(uow: Any, admin: Any, tmp_path: Path) -> None:
    """At the next business date, with AG1 on Auto Approve and Auto Create File, the run's steps
    (select, approve, file) take each line as far as the table lets them, and no further."""
    with uow() as u:
        p = f.practice(u)
        u.commit()
    agency(uow, admin, p, "AG1", "0.00", 60)
    _bring_to_states(uow, admin, p, tmp_path, {s: [_name(s, "nightly")] for s in STATES}, new_age=60)
    with uow() as u:
        external.update_assignment(u, admin, p.id, "AG1", D, auto_approve=True, auto_file=True)
    before = {s: placements(uow).get(_line(s, "nightly"), (NEW,))[0] for s in STATES}
    assert before == {s: s for s in STATES}
    run(uow, admin, p, D + dt.timedelta(days=1), tmp_path)
    got = placements(uow)
    for state in STATES:
        expected = state
        for op in ("select", "approve", "file"):
            expected = transition(expected, op) or expected
        assert got.get(_line(state, "nightly"), (NEW,))[0] == expected, state
    assert_verified(uow)
