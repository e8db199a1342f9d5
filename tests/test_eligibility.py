"""core.eligibility on a real database: the aging anchor per basis, the open guarantor line, and
one balance, one workflow (SPEC 2) — a line held by each workflow is kept out of the other two
and not out of its own; `recoup verify` builds its checks from the same holds.
Runs on SQLite and (with RECOUP_TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import select

from core import ledger
from core.eligibility import (
    AGING_BASES,
    WORKFLOWS,
    age_cutoff,
    age_in_days,
    aging_anchor,
    free_for,
    held_by,
    of_encounter,
    of_line,
    open_guarantor_line,
)
from core.models.agencies import ExternalPlacement
from core.models.ledger import Encounter
from core.models.precollections import PrecollectionTask
from core.models.roster import RosterAccount
from core.sql import as_date, execute
from core.verify import check_collections_held, check_one_workflow
from tests import factories as f

DAY = dt.date(2026, 3, 2)  # every row is dated from here, never from the machine's clock


def _encounter(u: Any, p: Any, name: str, lines: int = 2, **kw: Any) -> Any:
    g = f.guarantor(u, p, f"G-{name}")
    return f.encounter(u, p, g, [10000] * lines, source_id=name, posted=DAY, **kw)


def _task(u: Any, enc: Any, on_list: bool = True, state: str = "pre") -> None:
    u.session.add(PrecollectionTask(practice_id=enc.practice_id, task_no=enc.id, encounter_id=enc.id,
                                    guarantor_id=enc.guarantor_id, on_list=on_list, state=state, state_date=DAY))


def _placement(u: Any, line: Any, active: bool = True, state: str = "pending") -> None:
    u.session.add(ExternalPlacement(practice_id=line.practice_id, line_id=line.id, encounter_id=line.encounter_id,
                                    guarantor_id=line.guarantor_id, state=state, active=active,
                                    selected_date=DAY, state_date=DAY))


def _account(u: Any, enc: Any, turned_over: bool) -> None:
    u.session.add(RosterAccount(practice_id=enc.practice_id, guarantor_id=enc.guarantor_id, active=not turned_over,
                                status_code="1", status_since=DAY, entered_date=DAY, turned_over=turned_over,
                                turned_over_date=DAY if turned_over else None))


def _to_collections(u: Any, line: Any) -> None:
    j = ledger.open_journal(u, "test.transfer", "tester", DAY, line.practice_id)
    ledger.post(u, j, practice_id=line.practice_id, guarantor_id=line.guarantor_id, line_id=line.id, date=DAY,
                kind="transfer", amount_cents=line.ar_cents)
    ledger.close_journal(u, j)


@pytest.fixture
def world(uow: Any) -> None:
    """One encounter (two lines) per holder, and one each that nobody holds or that is only near a hold:
    PRE on the Pre-Collections list, EXT with its first line placed externally, ROS a turned-over
    account, FREE nobody's, OFF a task off the list, a released placement and an account still in
    the roster (none of which hold), COLL a line in collections with no holder."""
    with uow() as u:
        p = f.practice(u)
        encs = {n: _encounter(u, p, n) for n in ("PRE", "EXT", "ROS", "FREE", "OFF", "COLL")}
        _task(u, encs["PRE"])
        _placement(u, f.lines_of(u, encs["EXT"])[0])
        _account(u, encs["ROS"], turned_over=True)
        _task(u, encs["OFF"], on_list=False, state="removed")
        _placement(u, f.lines_of(u, encs["OFF"])[0], active=False, state="released")
        _account(u, encs["OFF"], turned_over=False)
        _to_collections(u, f.lines_of(u, encs["COLL"])[0])
        u.commit()


def _lines(uow: Any, where: str) -> set[str]:
    with uow() as u:
        return set(execute(u, f"SELECT l.source_id FROM service_line l WHERE {where}").scalars())


def _encounters(uow: Any, where: str) -> set[str]:
    with uow() as u:
        return set(execute(u, f"SELECT e.source_id FROM encounter e WHERE {where}").scalars())


ALL = {f"{n}-{i}" for n in ("PRE", "EXT", "ROS", "FREE", "OFF", "COLL") for i in (1, 2)}
HELD = {"precollections": {"PRE-1", "PRE-2"}, "external": {"EXT-1"}, "roster": {"ROS-1", "ROS-2"}}


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_held_by_each_workflow(uow, world, workflow) -> None:  # type: ignore[no-untyped-def]
    assert _lines(uow, held_by(workflow, of_line("l"))) == HELD[workflow]


@pytest.mark.parametrize("me", WORKFLOWS)
def test_a_line_held_elsewhere_is_kept_out_but_not_from_its_own_workflow(uow, world, me) -> None:  # type: ignore[no-untyped-def]
    free = _lines(uow, " AND ".join(free_for(me, of_line("l"))))
    others = set().union(*(HELD[w] for w in WORKFLOWS if w != me))
    assert free == ALL - others - {"COLL-1"}  # a balance in collections is never free
    assert HELD[me] <= free


def test_an_encounter_is_held_externally_when_any_line_is(uow, world) -> None:  # type: ignore[no-untyped-def]
    """Pre-Collections works per encounter: one placed line keeps the whole encounter out."""
    assert _encounters(uow, held_by("external", of_encounter("e"))) == {"EXT"}
    free = _encounters(uow, " AND ".join(free_for("precollections", of_encounter("e"))))
    assert free == {"PRE", "FREE", "OFF"}


def test_whole_encounter_of_a_line(uow, world) -> None:  # type: ignore[no-untyped-def]
    assert _lines(uow, held_by("external", of_line("l").whole_encounter())) == {"EXT-1", "EXT-2"}


def test_free_for_needs_a_balance() -> None:
    with pytest.raises(ValueError):
        free_for("roster", of_line("l").whole_encounter())


def test_open_guarantor_line(uow, world) -> None:  # type: ignore[no-untyped-def]
    with uow() as u:
        p = f.practice(u, "P2", "Practice Two")
        _encounter(u, p, "INS", lines=1, responsibility="insurance")
        paid = _encounter(u, p, "PAID", lines=1)
        f.pay(u, paid, 10000, DAY)
        u.commit()
    assert _lines(uow, open_guarantor_line("l")) == ALL - {"COLL-1"}
    assert _lines(uow, open_guarantor_line("l", counting_collections=True)) == ALL


def test_anchor_per_basis(uow) -> None:  # type: ignore[no-untyped-def]
    later = DAY + dt.timedelta(days=10)
    with uow() as u:
        p = f.practice(u)
        _encounter(u, p, "R", lines=1, responsibility_date=later)
        _encounter(u, p, "N", lines=1)
        u.commit()
    with uow() as u:
        got = {(basis, r[0]): as_date(r[1]) for basis in AGING_BASES for r in execute(
            u, f"SELECT l.source_id, {aging_anchor(basis)} FROM service_line l")}
    assert got == {("patient", "R-1"): later, ("patient", "N-1"): DAY, ("acct", "R-1"): DAY, ("acct", "N-1"): DAY}


def test_age_compares_against_the_anchor(uow) -> None:  # type: ignore[no-untyped-def]
    """Age >= N <=> anchor <= as_of - N, in SQL as in Python, at the boundary."""
    as_of = DAY + dt.timedelta(days=30)
    with uow() as u:
        _encounter(u, f.practice(u), "A", lines=1)
        u.commit()
    assert age_in_days(as_of, DAY) == 30 and age_in_days(as_of, None) is None
    for n, aged in ((30, {"A-1"}), (31, set())):
        with uow() as u:
            got = set(execute(u, f"SELECT l.source_id FROM service_line l WHERE {aging_anchor('acct')} <= :c",
                              c=age_cutoff(as_of, n)).scalars())
        assert got == aged


def test_unknown_basis_is_refused() -> None:
    with pytest.raises(ValueError):
        aging_anchor("dos")


def _by_source(u: Any, source_id: str) -> Encounter:
    return u.session.exec(select(Encounter).where(Encounter.source_id == source_id)).one()


def test_verify_uses_the_same_holds(uow, world) -> None:  # type: ignore[no-untyped-def]
    """A placement on an encounter on the list: every line of it is held twice; a balance in
    collections with no holder is reported until a holder that moves balances there has it."""
    with uow() as u:
        assert check_one_workflow(u).ok
        assert [p.split(" ")[2] for p in check_collections_held(u).problems] == ["COLL-1"]
        _placement(u, f.lines_of(u, _by_source(u, "PRE"))[1])
        _task(u, _by_source(u, "COLL"), state="not_sent")
        u.commit()
    with uow() as u:
        problems = check_one_workflow(u).problems
        assert [p.split(" ")[2] for p in problems] == ["PRE-1", "PRE-2"]
        assert check_collections_held(u).ok
