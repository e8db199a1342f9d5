"""Financial-assistance applications (SPEC 15.5): the automatic fap hold and the 240-day window,
an approval's discount (code FAP) with refunds due, the reversal worklist, a denial ending the
hold, and bad input that changes nothing. Both databases, explicit dates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from core import fap, holds
from core.errors import BadInput, Refused
from core.models.ledger import Statement
from core.verify import verify
from tests import factories as f

FIRST = dt.date(2026, 1, 10)
D = dt.date(2026, 3, 1)


@pytest.fixture
def world(uow, admin):  # type: ignore[no-untyped-def]
    """G1 owes 100.00 on E1 after paying 60.00 of 160.00; first statement 10 January."""
    with uow() as u:
        p = f.practice(u, nonprofit_501r=True)
        g = f.guarantor(u, p, "G1")
        e = f.encounter(u, p, g, [16_000], source_id="E1", posted=dt.date(2026, 1, 2))
        f.pay(u, e, 6_000, dt.date(2026, 1, 20))
        u.session.add(Statement(practice_id=p.id, source_id="S1", guarantor_id=g.id, date=FIRST))
        f.guarantor(u, p, "G2")
        u.commit()
        return p.id


def add(uow, admin, pid, received=dt.date(2026, 2, 1), guarantor="G1", complete=True):  # type: ignore[no-untyped-def]
    with uow() as u:
        return fap.add_application(u, admin, pid, guarantor, received, complete, D)


def counts(engine) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return tuple(int(c.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())  # type: ignore[return-value]
                     for t in ("fap_application", "hold", "hold_release", "ledger_txn"))


def test_an_application_in_the_window_holds_the_account_while_pending(uow, admin, world) -> None:
    row = add(uow, admin, world)
    assert row.decision == "pending" and row.hold_id is not None and row.note == "held while pending"
    with uow(write=False) as u:
        [h] = holds.list_holds(u, admin, world, D, kind="fap")
    assert (h.guarantor, h.start, h.state) == ("G1", dt.date(2026, 2, 1), "active")


def test_an_application_after_240_days_is_recorded_without_a_hold(uow, admin, world) -> None:
    late = FIRST + dt.timedelta(days=241)
    with uow() as u:
        row = fap.add_application(u, admin, world, "G1", late, True, late)
    assert row.hold_id is None and "more than 240 days" in row.note


def test_approval_posts_the_discount_lists_the_refund_and_ends_the_hold(engine, uow, admin, world) -> None:
    app = add(uow, admin, world)
    with uow() as u:
        done = fap.decide(u, admin, world, app.id, "approved", D, discount="75")
    # 75 % of (100.00 owed + 60.00 paid) = 120.00: 100.00 off the balance, 20.00 paid above it
    assert (done.adjusted_cents, done.refund_cents, done.decided) == (10_000, 2_000, D)
    with uow(write=False) as u:
        rows = u.session.execute(text("SELECT adjustment_code, amount_cents, bucket_from FROM ledger_txn "
                                      "WHERE kind = 'adjustment'")).all()
        assert [tuple(r) for r in rows] == [("FAP", 10_000, "ar")]
        assert [r.id for r in fap.refunds_due(u, admin, world)] == [app.id]
        [h] = holds.list_holds(u, admin, world, D, kind="fap")
        assert h.state == "ended" and h.released_on == D
        assert [c.name for c in verify(u) if c.problems] == []
        audit = u.session.execute(text("SELECT action FROM audit_entry WHERE action LIKE 'fap.%' ORDER BY id"))
        assert audit.scalars().all() == ["fap.add", "fap.decide"]
    with uow() as u, pytest.raises(Refused, match=f"application {app.id} was already approved"):
        fap.decide(u, admin, world, app.id, "denied", D)


def test_a_denial_ends_the_hold_and_posts_nothing(engine, uow, admin, world) -> None:
    app = add(uow, admin, world)
    before = counts(engine)
    with uow() as u:
        fap.decide(u, admin, world, app.id, "denied", D)
    assert counts(engine) == (before[0], before[1], before[2] + 1, before[3])


@pytest.mark.parametrize(("kw", "message"), [
    ({"decided_on": dt.date(2026, 1, 31)}, "decided: 2026-01-31 is before the application was received"),
    ({"discount": "100.5"}, "discount: must be a percentage from 0 to 100"),
    ({"discount": None}, "discount: an approval needs the discount percent"),
])
def test_bad_decisions_name_the_field_and_change_nothing(engine, uow, admin, world, kw, message) -> None:
    app = add(uow, admin, world)
    before = counts(engine)
    kw = {"discount": "50", **kw}
    with uow() as u, pytest.raises(BadInput, match=message):
        fap.decide(u, admin, world, app.id, "approved", D, **kw)
    assert counts(engine) == before


def test_an_application_received_after_the_business_date_is_refused(engine, uow, admin, world) -> None:
    with pytest.raises(BadInput, match="received: 2026-03-02 is after the business date"):
        add(uow, admin, world, received=dt.date(2026, 3, 2))
    assert counts(engine)[:3] == (0, 0, 0)


def test_the_reversal_worklist_lists_placed_lines_and_turned_over_accounts(uow, admin, world) -> None:
    app = add(uow, admin, world)
    with uow() as u:
        g = u.session.execute(text("SELECT id FROM guarantor WHERE source_id = 'G1'")).scalar_one()
        line = u.session.execute(text("SELECT id, encounter_id FROM service_line")).one()
        u.session.execute(text(
            "INSERT INTO external_placement (practice_id, line_id, encounter_id, guarantor_id, state, active, reason,"
            " returned_mail, selected_date, state_date, posted_date, version) VALUES (:p, :l, :e, :g, 'posted', TRUE,"
            " 'rule', FALSE, :d, :d, :d, 1)"), {"p": world, "l": line[0], "e": line[1], "g": g, "d": FIRST})
        u.commit()
    with uow(write=False) as u:
        assert fap.reversal_worklist(u, admin, world, D) == []  # nothing approved yet
    with uow() as u:
        fap.decide(u, admin, world, app.id, "approved", D, discount="10")
    with uow(write=False) as u:
        [item] = fap.reversal_worklist(u, admin, world, D)
    assert (item.action, item.guarantor, item.item, item.since) == ("recall", "G1", "E1-1", FIRST)
