"""Pre-Collections edits carry the versions the operator read (issue 8): a stale one is refused as
Conflict "changed by NAME at TIME — reload", naming the task, and changes nothing.

Two operators read the same list; one writes; the other's write, made from what they had read, is
refused. On a real SQLite file and, with RECOUP_TEST_POSTGRES_URL, on PostgreSQL.
"""

from __future__ import annotations

from types import SimpleNamespace

import factories as f
import pytest
from conftest import TODAY
from pc_helpers import COLLECTOR, SUPERVISOR, assert_verified, call, snapshot

from core import precollections as pc
from core.errors import Conflict
from core.precollections import read as reader
from core.precollections.criteria import Criteria, TaskFilter
from core.security import Actor

OTHER = Actor("olga", "collector")


@pytest.fixture
def four(uow):
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        for i in range(1, 5):
            f.encounter(u, p, g, [10000], source_id=f"E{i}", dunning=1)
        u.commit()
    call(uow, pc.add_tasks, COLLECTOR, p.id, Criteria(dunning_min=1), TODAY)
    return SimpleNamespace(practice=p.id)


def _seen(uow, pid) -> dict[int, int]:
    """What an operator's screen read: task number -> version."""
    with uow(write=False) as u:
        rows = reader.task_page(u, COLLECTOR, pid, TaskFilter(states=("pre",)), TODAY)
    return {r.task: r.version for r in rows}


def test_a_stale_set_action_is_refused_naming_who_changed_the_task(uow, four) -> None:
    mine = _seen(uow, four.practice)
    call(uow, pc.set_action, OTHER, four.practice, "remove", TODAY, tasks=[2])
    before = snapshot(uow)
    with pytest.raises(Conflict, match=r"task 2 was changed by olga at \d{4}-\d\d-\d\d \d\d:\d\d — reload"):
        call(uow, pc.set_action, COLLECTOR, four.practice, "send-to-collections", TODAY, tasks=[1, 2],
             versions={n: mine[n] for n in (1, 2)})
    assert snapshot(uow) == before
    # read again: the same edit goes through
    fresh = _seen(uow, four.practice)
    n = call(uow, pc.set_action, COLLECTOR, four.practice, "send-to-collections", TODAY, tasks=[1, 2],
             versions={k: fresh[k] for k in (1, 2)})
    assert n == 2


def test_versions_of_untouched_tasks_do_not_matter(uow, four) -> None:
    mine = _seen(uow, four.practice)
    call(uow, pc.set_action, OTHER, four.practice, "remove", TODAY, tasks=[4])
    assert call(uow, pc.set_action, COLLECTOR, four.practice, "remove", TODAY, tasks=[1],
                versions={1: mine[1]}) == 1


def test_a_stale_apply_is_refused_and_changes_nothing(uow, four) -> None:
    call(uow, pc.set_action, COLLECTOR, four.practice, "send-to-collections", TODAY, tasks=[1, 2, 3])
    sam_read = _seen(uow, four.practice)                 # the supervisor opens the list
    call(uow, pc.set_action, OTHER, four.practice, "remove", TODAY, tasks=[3])   # olga changes task 3
    before = snapshot(uow)
    with pytest.raises(Conflict, match=r"task 3 was changed by olga at .* — reload"):
        call(uow, pc.apply, SUPERVISOR, four.practice, TODAY, confirmed=True, versions=sam_read)
    assert snapshot(uow) == before
    assert_verified(uow)


def test_a_state_change_by_another_apply_names_its_operator(uow, four) -> None:
    call(uow, pc.set_action, COLLECTOR, four.practice, "send-to-collections", TODAY, tasks=[1])
    seen = _seen(uow, four.practice)
    call(uow, pc.apply, SUPERVISOR, four.practice, TODAY, confirmed=True)        # sam applies first
    with pytest.raises(Conflict, match="task 1 was changed by sam at"):
        call(uow, pc.set_action, COLLECTOR, four.practice, "remove-from-pending", TODAY, tasks=[1],
             versions={1: seen[1]})
    assert_verified(uow)
