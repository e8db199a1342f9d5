"""Holds (SPEC 14): placing, releasing and listing, the roles' limits, refusals that change
nothing, the append-only guard, and held days (SPEC 18.1). Both databases, explicit dates."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core import holds, security
from core.errors import BadInput, Refused
from tests import factories as f

AS_OF = dt.date(2026, 3, 15)


@pytest.fixture
def world(uow, admin):  # type: ignore[no-untyped-def]
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        e = f.encounter(u, p, g, [10_000], source_id="E1", posted=dt.date(2026, 1, 5))
        f.guarantor(u, p, "G2")
        ids = {"p": p.id, "g": g.source_id, "e": e.source_id}
        u.commit()
    for name, role in (("cora", "collector"), ("sam", "supervisor")):
        with uow() as u:
            security.add_user(u, admin, name, role)
    return ids


def actor(uow, name: str):  # type: ignore[no-untyped-def]
    with uow() as u:
        return security.authenticate(u, name)


def place(uow, who, world, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("guarantor", None if "encounter" in kw else world["g"])
    kind = kw.pop("kind", "dispute")
    reason = kw.pop("reason", "patient disputes the bill")
    as_of = kw.pop("as_of", AS_OF)
    with uow() as u:
        return holds.place_hold(u, who, world["p"], kind, reason, as_of, **kw)


def count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return int(c.execute(text("SELECT COUNT(*) FROM hold")).scalar_one())


def test_place_list_and_release(uow, admin, world) -> None:
    row = place(uow, admin, world, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert (row.state, row.start, row.end) == ("active", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    with uow() as u:
        released = holds.release_hold(u, admin, row.id, "paid in full", AS_OF)
    assert released.released_on == AS_OF and released.end == AS_OF - dt.timedelta(days=1)
    with uow(write=False) as u:
        rows = holds.list_holds(u, admin, world["p"], AS_OF)
    assert [(r.id, r.state, r.end) for r in rows] == [(row.id, "ended", dt.date(2026, 3, 14))]
    with uow() as u, pytest.raises(Refused, match=f"hold {row.id} was already released on 2026-03-15"):
        holds.release_hold(u, admin, row.id, "again", AS_OF)


def test_releasing_a_hold_that_already_ended_is_refused_by_name(uow, admin, world) -> None:
    row = place(uow, admin, world, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 10))
    with uow() as u, pytest.raises(Refused, match=f"hold {row.id} ended on 2026-03-10"):
        holds.release_hold(u, admin, row.id, "late", AS_OF)


def test_overlap_on_the_same_target_is_refused_and_nothing_is_written(engine, uow, admin, world) -> None:
    first = place(uow, admin, world, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 20))
    with pytest.raises(BadInput, match=f"start: overlaps hold {first.id}"):
        place(uow, admin, world, kind="promise", start=dt.date(2026, 3, 20))
    assert count(engine) == 1
    with pytest.raises(BadInput, match=f"start: overlaps hold {first.id} .* on the guarantor"):
        place(uow, admin, world, encounter=world["e"], start=dt.date(2026, 3, 5))  # covered already
    place(uow, admin, world, kind="promise", start=dt.date(2026, 3, 21), end=dt.date(2026, 4, 1))  # the next day
    place(uow, admin, world, encounter=world["e"], start=dt.date(2026, 4, 2), end=dt.date(2026, 4, 9))
    with pytest.raises(BadInput, match="on an encounter of the guarantor"):
        place(uow, admin, world, start=dt.date(2026, 4, 5))
    place(uow, admin, dict(world, g="G2"), start=dt.date(2026, 3, 1))  # another guarantor
    assert count(engine) == 4


def test_a_released_hold_frees_its_remaining_days(uow, admin, world) -> None:
    row = place(uow, admin, world, start=dt.date(2026, 3, 1))
    with uow() as u:
        holds.release_hold(u, admin, row.id, "agreed", dt.date(2026, 3, 10))
    again = place(uow, admin, world, kind="appeal", start=dt.date(2026, 3, 10))
    assert again.state == "active"


@pytest.mark.parametrize("kw,message", [
    ({"end": dt.date(2026, 3, 1), "start": dt.date(2026, 3, 2)}, "end: 2026-03-01 is before the start 2026-03-02"),
    ({"kind": "vacation"}, "kind: 'vacation' is not a hold kind"),
    ({"reason": "  "}, "reason: a hold needs a reason"),
    ({"guarantor": "NOPE"}, "guarantor: no guarantor 'NOPE' in practice P1"),
    ({"encounter": "NOPE"}, "encounter: no encounter 'NOPE' in practice P1"),
])
def test_bad_input_names_the_field_and_writes_nothing(engine, uow, admin, world, kw, message) -> None:
    with pytest.raises(BadInput, match=message):
        place(uow, admin, world, **kw)
    assert count(engine) == 0


def test_collectors_place_short_disputes_and_promises_only(engine, uow, world) -> None:
    cora = actor(uow, "cora")
    place(uow, cora, world, start=AS_OF, end=AS_OF + dt.timedelta(days=29))  # 30 days
    for kw, words in (({"kind": "appeal", "end": AS_OF}, "may not place a appeal hold"),
                      ({"start": dt.date(2026, 5, 1), "end": dt.date(2026, 5, 31)}, "at most 30 days"),
                      ({"start": dt.date(2026, 5, 1)}, "at most 30 days"),
                      ({"start": dt.date(2026, 2, 12), "end": dt.date(2026, 2, 13)}, "back-date a hold at most 30")):
        with pytest.raises(Refused, match=words):
            place(uow, cora, dict(world, g="G2"), kind=kw.pop("kind", "promise"), **kw)
    assert count(engine) == 1
    sam = actor(uow, "sam")
    place(uow, sam, dict(world, g="G2"), kind="bankruptcy", start=dt.date(2025, 12, 1))


def test_a_collector_may_not_release_a_supervisors_appeal(uow, world) -> None:
    row = place(uow, actor(uow, "sam"), world, kind="appeal")
    cora = actor(uow, "cora")
    with uow() as u, pytest.raises(Refused, match="may not release a appeal hold"):
        holds.release_hold(u, cora, row.id, "done", AS_OF)


def test_list_filters_by_kind_state_and_ending_soon(uow, admin, world) -> None:
    place(uow, admin, world, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 18))
    place(uow, admin, dict(world, g="G2"), kind="appeal", start=dt.date(2026, 4, 1))
    place(uow, admin, world, encounter=world["e"], kind="insurance_pending", start=dt.date(2026, 2, 1),
          end=dt.date(2026, 2, 28))
    with uow(write=False) as u:
        def kinds(**kw):  # type: ignore[no-untyped-def]
            return [r.kind for r in holds.list_holds(u, admin, world["p"], AS_OF, **kw)]
        assert kinds() == ["appeal", "dispute", "insurance_pending"]
        assert kinds(state="scheduled") == ["appeal"]
        assert kinds(state="ended") == ["insurance_pending"]
        assert kinds(ending_within=3) == ["dispute"]
        assert kinds(ending_within=2) == []
        assert kinds(kind="appeal") == ["appeal"]


def test_holds_are_append_only_in_the_database(engine, uow, admin, world) -> None:
    place(uow, admin, world)
    for sql in ("UPDATE hold SET end_date = start_date", "DELETE FROM hold"):
        with engine.begin() as c, pytest.raises(DBAPIError, match="append-only"):
            c.execute(text(sql))


def test_held_days_follow_spec_18_1() -> None:
    """40 days old on 1 March; a dispute hold 1-10 March; on 31 March the age is 70 - 10 = 60."""
    anchor = dt.date(2026, 3, 1) - dt.timedelta(days=40)
    spans = [(dt.date(2026, 3, 1), dt.date(2026, 3, 10))]
    as_of = dt.date(2026, 3, 31)
    assert (as_of - anchor).days - holds.held_days(spans, anchor, as_of) == 60
    assert holds.held_days([*spans, (dt.date(2026, 3, 5), None)], anchor, dt.date(2026, 3, 7)) == 7  # overlap once
    assert holds.held_days([(dt.date(2026, 1, 1), None)], anchor, as_of) == 70  # before the anchor: not counted


def test_command_line(cli, uow, world) -> None:
    code, out, err = cli("--as-of", "2026-03-15", "holds", "add", "--practice", "P1", "--guarantor", "G1",
                         "--kind", "dispute", "--end", "2026-03-31", "--reason", "disputes a charge")
    assert code == 0 and "placed: dispute, from 2026-03-15 to 2026-03-31" in out, err
    code, _, err = cli("--as-of", "2026-03-15", "holds", "add", "--practice", "P1", "--guarantor", "G1",
                       "--kind", "promise", "--reason", "will pay Friday")
    assert code == 2 and "start: overlaps hold" in err
    code, _, err = cli("--as-of", "2026-03-15", "holds", "add", "--practice", "P1", "--guarantor", "G1",
                       "--kind", "promise", "--start", "2026-13-01", "--reason", "x")
    assert code == 2 and "start" in err and "Traceback" not in err
    code, out, _ = cli("--as-of", "2026-03-15", "--json", "holds", "list", "--practice", "P1")
    rows = json.loads(out)
    assert [(r["kind"], r["state"], r["end"]) for r in rows] == [("dispute", "active", "2026-03-31")]
    code, out, _ = cli("--as-of", "2026-03-20", "holds", "release", str(rows[0]["hold"]), "--reason", "resolved")
    assert code == 0 and "no longer held from 2026-03-20" in out
    code, _, err = cli("--as-of", "2026-03-20", "holds", "release", str(rows[0]["hold"]), "--reason", "resolved")
    assert code == 4 and "already released" in err


def test_held_days_in_sql_equal_the_rule_on_both_databases(uow, admin, world) -> None:
    """The statements the workflows use count the same held days as held_days(), releases included."""
    from core.eligibility import of_line, on_hold
    from core.sql import q
    place(uow, admin, world, start=dt.date(2026, 1, 10), end=dt.date(2026, 1, 19))          # 10 days
    later = place(uow, admin, world, kind="appeal", start=dt.date(2026, 2, 1))               # open...
    with uow() as u:
        holds.release_hold(u, admin, later.id, "decided", dt.date(2026, 2, 15), dt.date(2026, 2, 11))  # ...10 days
    place(uow, admin, world, encounter=world["e"], kind="promise", start=dt.date(2026, 3, 1))  # open, encounter
    spans = [(dt.date(2026, 1, 10), dt.date(2026, 1, 19)), (dt.date(2026, 2, 1), dt.date(2026, 2, 10)),
             (dt.date(2026, 3, 1), None)]
    with uow(write=False) as u:
        sql = (f"SELECT {holds.held_days_sql(u.dialect, ':a')}, {on_hold(of_line('l'))}, {holds.any_hold_sql()} "
               "FROM service_line l WHERE l.source_id = 'E1-1'")
        for anchor, as_of in ((dt.date(2026, 1, 5), dt.date(2026, 3, 15)), (dt.date(2026, 1, 15), dt.date(2026, 2, 5)),
                              (dt.date(2026, 2, 20), dt.date(2026, 2, 28)), (dt.date(2026, 1, 1), dt.date(2026, 1, 9)),
                              (dt.date(2026, 1, 19), dt.date(2026, 3, 1))):
            days, held, any_ = u.session.execute(q(sql, {"a": anchor, "el_d": as_of, "el_p": world["p"]})).one()
            assert days == holds.held_days(spans, anchor, as_of), (anchor, as_of)
            assert bool(held) == any(s <= as_of and (e is None or as_of <= e) for s, e in spans), as_of
            assert bool(any_) == (as_of >= dt.date(2026, 1, 10))
