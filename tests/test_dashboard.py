"""Collections Management figures (SPEC 4) against sums computed independently, in Python, from the
ledger transactions, the service lines and the tasks — not with the dashboard's SQL — on SQLite and
PostgreSQL; and every number opens a list whose rows add up to it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from dashboard_data import AS_OF, BOSS, generate
from sqlmodel import select

from core import precollections as pc
from core.errors import BadInput
from core.models.ledger import Encounter, LedgerTxn, ServiceLine
from core.models.precollections import PrecollectionTask
from core.precollections import dashboard

OPEN_BUCKETS = ("ar", "collections")


@pytest.fixture
def data(uow, tmp_path):
    return generate(uow, tmp_path)


def _line_balances(u) -> dict[int, int]:
    """Each service line's open balance (A/R + collections) summed from its transactions."""
    bal: dict[int, int] = defaultdict(int)
    for t in u.session.exec(select(LedgerTxn).where(LedgerTxn.line_id.is_not(None))):  # type: ignore[union-attr]
        if t.bucket_to in OPEN_BUCKETS:
            bal[t.line_id] += t.amount_cents
        if t.bucket_from in OPEN_BUCKETS:
            bal[t.line_id] -= t.amount_cents
    return bal


def _age_bucket(days: int | None) -> str:
    if days is None:
        return "none"
    for high, key in ((30, "0-30"), (60, "31-60"), (90, "61-90"), (120, "91-120")):
        if days <= high:
            return key
    return "over 120"


def _level(n: int) -> str:
    return "5+" if n >= 5 else str(max(n, 0))


def expected(u, pid: int) -> tuple[dict[str, tuple[int, int]], dict[tuple[str, str, str], tuple[int, int]]]:
    """(state -> (count, cents), (state, breakdown, bucket) -> (count, cents)), all in Python."""
    balances = _line_balances(u)
    lines: dict[int, list[ServiceLine]] = defaultdict(list)
    for line in u.session.exec(select(ServiceLine).where(ServiceLine.practice_id == pid)):
        lines[line.encounter_id].append(line)
    encounters = {e.id: e for e in u.session.exec(select(Encounter).where(Encounter.practice_id == pid))}
    totals: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    parts: dict[tuple[str, str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))

    def add(d, key, cents):  # type: ignore[no-untyped-def]
        n, c = d[key]
        d[key] = (n + 1, c + cents)

    for t in u.session.exec(select(PrecollectionTask).where(PrecollectionTask.practice_id == pid,
                                                            PrecollectionTask.on_list == True)):  # noqa: E712
        e = encounters[t.encounter_id]
        mine = [ln for ln in lines[e.id] if ln.responsibility == "guarantor"]
        cents = sum(balances[ln.id] for ln in mine)
        anchors = [ln.responsibility_date or ln.posted_date for ln in mine if balances[ln.id] > 0]
        age = (AS_OF - min(anchors)).days if anchors else None
        add(totals, t.state, cents)
        add(parts, (t.state, "days", _age_bucket((AS_OF - t.state_date).days)), cents)
        add(parts, (t.state, "aging", _age_bucket(age)), cents)
        add(parts, (t.state, "dunning", _level(e.dunning_count)), cents)
        add(parts, (t.state, "statements", _level(e.statements_sent)), cents)
    return dict(totals), dict(parts)


def test_figures_equal_independent_sums(uow, data):
    with uow(write=False) as u:
        want_totals, want_parts = expected(u, data)
        got = {s: dashboard.dashboard(u, BOSS, data, s, AS_OF) for s in ("pre", "not_sent", "sent")}
    assert all(want_totals.get(s, (0, 0))[0] > 0 for s in ("pre", "not_sent", "sent"))  # every state is there
    for s, d in got.items():
        assert d.state == s and d.as_of == AS_OF
        assert {k: (v.count, v.cents) for k, v in d.totals.items()} == {
            k: want_totals.get(k, (0, 0)) for k in ("pre", "not_sent", "sent")}
        for b in d.breakdowns:
            assert (b.total.count, b.total.cents) == want_totals[s], (s, b.name)
            for bucket in b.buckets:
                assert (bucket.count, bucket.cents) == want_parts.get((s, b.name, bucket.key), (0, 0)), \
                    (s, b.name, bucket.key)
    # the data really spreads over buckets (not all in one), and has a paid-off task on the list
    pre = got["pre"]
    assert len([x for x in pre.breakdown("aging").buckets if x.count]) >= 3
    assert len([x for x in got["not_sent"].breakdown("days").buckets if x.count]) >= 2
    assert pre.breakdown("aging").bucket("none").count == 1
    assert pre.breakdown("aging").bucket("none").cents == 0


def test_totals_agree_with_the_list_module(uow, data):
    with uow(write=False) as u:
        mine = dashboard.totals(u, BOSS, data)
        theirs = pc.totals(u, BOSS, data)
    assert {k: (v.count, v.cents) for k, v in mine.items()} == theirs


def test_every_number_opens_a_list_that_adds_up_to_it(uow, data):
    with uow(write=False) as u:
        for s in ("pre", "not_sent", "sent"):
            d = dashboard.dashboard(u, BOSS, data, s, AS_OF)
            rows = pc.list_tasks(u, BOSS, data, AS_OF, dashboard.bucket_filter(s))
            assert (len(rows), sum(r.balance_cents for r in rows)) == (d.totals[s].count, d.totals[s].cents)
            for b in d.breakdowns:
                for bucket in b.buckets:
                    rows = pc.list_tasks(u, BOSS, data, AS_OF, dashboard.bucket_filter(s, b.name, bucket.key))
                    assert (len(rows), sum(r.balance_cents for r in rows)) == (bucket.count, bucket.cents), \
                        (s, b.name, bucket.key)


def test_business_date_moves_days_and_ages(uow, data):
    later = AS_OF + dt.timedelta(days=200)
    with uow(write=False) as u:
        d = dashboard.dashboard(u, BOSS, data, "pre", later)
    days = d.breakdown("days")
    assert days.bucket("over 120").count == days.total.count   # everything is old by then


def test_empty_practice_and_refusals(uow, data):
    with uow(write=False) as u:
        import factories as f
        other = f.practice(u, source_id="P9", name="Empty")
        d = dashboard.dashboard(u, BOSS, other.id, "sent", AS_OF)
        assert all(v.count == 0 and v.cents == 0 for v in d.totals.values())
        assert [b.key for b in d.breakdown("aging").buckets] == ["0-30", "31-60", "61-90", "91-120", "over 120"]
        with pytest.raises(BadInput, match="type"):
            dashboard.dashboard(u, BOSS, data, "removed", AS_OF)
        with pytest.raises(BadInput, match="bucket"):
            dashboard.bucket_filter("pre", "aging", "200+")


def test_cli_json_has_the_spec_fields_and_the_breakdowns(uow, data, admin, cli):
    import json
    code, out, err = cli("--as-of", AS_OF.isoformat(), "dashboard", "--json")
    assert code == 0, err
    got = json.loads(out)
    with uow(write=False) as u:
        want_totals, want_parts = expected(u, data)
    from core.money import format_plain
    for s in ("pre", "not_sent", "sent"):
        n, cents = want_totals[s]
        assert got[s] == {"count": n, "dollars": format_plain(cents)}
        aging = {b["bucket"]: (b["count"], b["dollars"]) for b in got["breakdowns"][s]["aging"]}
        for key, (count, dollars) in aging.items():
            w = want_parts.get((s, "aging", key), (0, 0))
            assert (count, dollars) == (w[0], format_plain(w[1]))
    assert set(got["breakdowns"]["pre"]) == {"days", "aging", "dunning", "statements"}
    assert got["as_of"] == AS_OF.isoformat()
    code, out, _ = cli("--as-of", AS_OF.isoformat(), "dashboard", "--type", "sent")
    assert code == 0 and "In Collections/Sent by aging" in out and "over 120" in out
    code, _, err = cli("dashboard", "--practice", "NOPE")
    assert code == 2 and "practice" in err


def _states_on(u, pid: int, when: dt.date) -> dict[int, tuple[str, dt.date]]:
    """Each task's state on `when` and the date it entered it, from its history rows, in Python:
    the last row (in the order they were written) dated on or before `when`."""
    from core.models.precollections import ON_LIST_STATES, PrecollectionHistory
    found: dict[int, tuple[str, dt.date]] = {}
    rows = u.session.exec(select(PrecollectionHistory).where(PrecollectionHistory.practice_id == pid)
                          .order_by(PrecollectionHistory.id))
    for h in rows:
        if h.business_date <= when:
            found[h.task_id] = (h.to_state, h.business_date)
    return {t: s for t, s in found.items() if s[0] in ON_LIST_STATES}


@pytest.mark.parametrize("back", [140, 100, 60, 36, 35, 4, 2])
def test_an_earlier_date_counts_each_task_in_the_state_it_was_in_then(uow, data, back):
    """`dashboard --as-of D` puts every task in the state its history says it was in on D, with its
    days in state from the day it entered it — also the tasks that moved on (or left) since."""
    when = AS_OF - dt.timedelta(days=back)
    with uow(write=False) as u:
        then = _states_on(u, data, when)
        encounters = {t.id: t.encounter_id for t in u.session.exec(select(PrecollectionTask))}
        balance = {e.id: e.ar_cents + e.collections_cents for e in u.session.exec(select(Encounter))}
        boards = {s: dashboard.dashboard(u, BOSS, data, s, when) for s in ("pre", "not_sent", "sent")}
    for state, board in boards.items():
        mine = [(t, since) for t, (s, since) in then.items() if s == state]
        want = (len(mine), sum(balance[encounters[t]] for t, _ in mine))
        assert (board.totals[state].count, board.totals[state].cents) == want, (back, state)
        assert {s: (f.count, f.cents) for s, f in board.totals.items()} == \
            {s: (f.count, f.cents) for s, f in boards["pre"].totals.items()}      # one snapshot, any type
        days: dict[str, int] = defaultdict(int)
        for _t, since in mine:
            days[_age_bucket((when - since).days)] += 1
        assert {b.key: b.count for b in board.breakdown("days").buckets if b.count} == dict(days), (back, state)


def test_moved_on_since_is_counted_where_it_was(uow, data):
    """60 days back the tasks sent to collections 50 days back were still on Pre-Collections; before
    the first build nothing was on the list; on the business date the list's own states count."""
    with uow(write=False) as u:
        now = dashboard.dashboard(u, BOSS, data, "pre", AS_OF)
        before = dashboard.dashboard(u, BOSS, data, "pre", AS_OF - dt.timedelta(days=60))
        first = dashboard.dashboard(u, BOSS, data, "pre", AS_OF - dt.timedelta(days=141))
        listed = pc.totals(u, BOSS, data)
    assert {s: (f.count, f.cents) for s, f in now.totals.items()} == listed
    assert before.totals["sent"].count == 0 and before.totals["pre"].count > now.totals["pre"].count - 10
    assert before.totals["not_sent"].count < now.totals["not_sent"].count + now.totals["sent"].count
    assert all(f.count == 0 for f in first.totals.values())


def test_cli_as_of_an_earlier_date(uow, data, admin, cli):
    import json
    when = AS_OF - dt.timedelta(days=60)
    code, out, err = cli("--as-of", when.isoformat(), "--json", "dashboard", "--practice", "P1")
    assert code == 0, err
    got = json.loads(out)
    with uow(write=False) as u:
        board = dashboard.dashboard(u, BOSS, data, "pre", when)
    assert got["as_of"] == when.isoformat() and got["sent"]["count"] == 0
    assert got["pre"]["count"] == board.totals["pre"].count > 0
