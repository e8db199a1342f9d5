"""Every (state, action) pair of the transition table, for patients and employers, through the real
set-based apply: allowed pairs land where the table says with the table's ledger effect; every
other pair is refused by name at Set Action and, if set anyway before the state changed, at Apply."""

from __future__ import annotations

import factories as f
import pytest
from conftest import TODAY
from pc_helpers import COLLECTOR, SUPERVISOR, SUPPORT, assert_verified, call, snapshot
from sqlalchemy import text

from core import precollections as pc
from core.errors import Refused
from core.exchange import agency_files
from core.models.precollections import ACTIONS, ON_LIST_STATES
from core.precollections.criteria import Criteria
from core.precollections.states import TRANSITIONS, allowed_actions, transition

BALANCE = 12345


def _bring_to(uow, practice_id, enc, kind, state, out):
    """A fresh encounter on the list, moved to `state` by the real use cases. Returns its task number."""
    call(uow, pc.add_tasks, COLLECTOR, practice_id, Criteria(encounter=enc, balance_for=kind), TODAY)
    task = call(uow, pc.explain, COLLECTOR, practice_id, enc, TODAY).task
    if state in ("not_sent", "sent"):
        call(uow, pc.set_action, COLLECTOR, practice_id, "send-to-collections", TODAY, tasks=[task])
        call(uow, pc.apply, SUPERVISOR, practice_id, TODAY, confirmed=True)
    if state == "sent":
        call(uow, pc.set_action, COLLECTOR, practice_id, "send-to-agency", TODAY, tasks=[task])
        call(uow, pc.apply, SUPERVISOR, practice_id, TODAY, agency="AG", out_dir=out, confirmed=True)
    return task


def _balances(uow, enc):
    with uow(write=False) as u:
        return tuple(u.session.execute(text("SELECT ar_cents, collections_cents FROM encounter WHERE source_id = :s"),
                                       {"s": enc}).one())


def _task(uow, task):
    with uow(write=False) as u:
        return tuple(u.session.execute(text("SELECT state, on_list, action FROM precollection_task WHERE task_no = :t"),
                                       {"t": task}).one())


EXPECTED_BALANCES = {None: None, ("ar", "collections"): (0, BALANCE), ("collections", "ar"): (BALANCE, 0),
                     ("ar", "written_off"): (0, 0)}


def test_the_table_is_what_the_spec_says():
    assert {k: (t.target, t.role, t.kinds, t.ledger) for k, t in TRANSITIONS.items()} == {
        ("pre", "send-to-collections"): ("not_sent", "supervisor", ("patient", "employer"), ("ar", "collections")),
        ("pre", "remove"): ("removed", "collector", ("patient", "employer"), None),
        ("pre", "write-off"): ("written_off", "supervisor", ("patient", "employer"), ("ar", "written_off")),
        ("not_sent", "send-to-agency"): ("sent", "supervisor", ("patient", "employer"), None),
        ("not_sent", "remove-from-pending"): ("pre", "supervisor", ("patient", "employer"), ("collections", "ar")),
        ("not_sent", "remove-from-collections"): ("returned", "supervisor", ("employer",), ("collections", "ar")),
        ("sent", "remove-from-collections"): ("withdrawn", "supervisor", ("employer",), None),
    }
    assert allowed_actions("sent") == ["remove-from-collections"]


@pytest.mark.slow
def test_every_state_action_pair(uow, tmp_path):
    with uow() as u:
        p = f.practice(u, employer_collections=True)
        u.commit()
    call(uow, agency_files.save_agency, SUPPORT, p.id, "AG", TODAY, name="Agency")
    n = 0
    for kind in ("patient", "employer"):
        for state in ON_LIST_STATES:
            for action in ACTIONS:
                n += 1
                enc = f"E{n}"
                with uow() as u:
                    from core.models.ledger import Practice
                    practice = u.session.get(Practice, p.id)
                    f.encounter(u, practice, f.guarantor(u, practice, f"G{n}", kind=kind), [BALANCE], source_id=enc)
                    u.commit()
                task = _bring_to(uow, p.id, enc, kind, state, tmp_path)
                tr = transition(state, action)
                if tr is not None and kind in tr.kinds:
                    _allowed(uow, p.id, task, enc, state, action, tmp_path)
                else:
                    _refused(uow, p.id, task, state, action)
                assert_verified(uow)
    assert n == 2 * 3 * 6


def _allowed(uow, practice_id, task, enc, state, action, out):
    tr = TRANSITIONS[(state, action)]
    before = _balances(uow, enc)
    call(uow, pc.set_action, COLLECTOR, practice_id, action, TODAY, tasks=[task])
    call(uow, pc.apply, SUPERVISOR, practice_id, TODAY, agency="AG" if tr.needs_agency else None, out_dir=out,
         confirmed=True)
    assert _task(uow, task) == (tr.target, tr.target in ON_LIST_STATES, None), (state, action)
    expected = EXPECTED_BALANCES[tr.ledger] or before
    assert _balances(uow, enc) == expected, (state, action)
    with uow(write=False) as u:
        last = u.session.execute(text("SELECT h.from_state, h.to_state, h.action FROM precollection_history h "
                                      "JOIN precollection_task t ON t.id = h.task_id WHERE t.task_no = :t "
                                      "ORDER BY h.id DESC LIMIT 1"), {"t": task}).one()
    assert tuple(last) == (state, tr.target, action)


def _refused(uow, practice_id, task, state, action):
    with pytest.raises(Refused, match=f"task {task} "):
        call(uow, pc.set_action, COLLECTOR, practice_id, action, TODAY, tasks=[task])
    with uow() as u:  # as if set while the task was in another state
        u.session.execute(text("UPDATE precollection_task SET action = :a WHERE task_no = :t"),
                          {"a": action, "t": task})
        u.commit()
    before = snapshot(uow)
    with pytest.raises(Refused, match=f"task {task} "):
        call(uow, pc.apply, SUPERVISOR, practice_id, TODAY, agency="AG", out_dir=None, confirmed=True)
    assert snapshot(uow) == before
    call(uow, pc.set_action, COLLECTOR, practice_id, None, TODAY, tasks=[task])
