"""The ledger keeps its caches true, and verify catches anything changed behind its back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from core import audit
from core.models import Encounter, Guarantor, ServiceLine
from core.verify import verify
from tests.integrity.tamper import drop_append_only_triggers
from tests.ledger_data import build_tiny


def _problems(u) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {c.name: c.problems for c in verify(u) if c.problems}


def test_balances_follow_transactions(uow, admin) -> None:
    with uow() as u:
        t = build_tiny(u)
        u.commit()
    with uow(write=False) as u:
        g = u.session.get(Guarantor, t.guarantor_id)
        e = u.session.get(Encounter, t.encounter_id)
        l1 = u.session.get(ServiceLine, t.line_ids[0])
        assert (l1.ar_cents, l1.collections_cents) == (7000, 0)
        assert (e.ar_cents, e.ins_ar_cents, e.collections_cents) == (7000, 25000, 0)
        assert (g.ar_cents, g.ins_ar_cents, g.escrow_cents) == (7000, 25000, 1500)
        assert _problems(u) == {}


def test_transfer_moves_balance_without_changing_what_is_owed(uow, admin) -> None:
    from core import ledger
    with uow() as u:
        t = build_tiny(u)
        j = ledger.open_journal(u, "transfer", "tester", dt.date(2026, 7, 1), t.practice_id)
        ledger.post(u, j, practice_id=t.practice_id, guarantor_id=t.guarantor_id, line_id=t.line_ids[0],
                    date=j.business_date, kind="transfer", amount_cents=7000)
        ledger.close_journal(u, j)
        u.commit()
    with uow(write=False) as u:
        g = u.session.get(Guarantor, t.guarantor_id)
        assert (g.ar_cents, g.collections_cents) == (0, 7000)
        problems = _problems(u)
    # the ledger balances; only the workflow check notices a transfer no collections workflow made
    assert set(problems) == {"collections held"} and "service line L1" in problems["collections held"][0]


def test_verify_names_a_hand_altered_transaction(uow, admin) -> None:
    with uow() as u:
        build_tiny(u)
        u.commit()
    with uow() as u:
        drop_append_only_triggers(u.session.connection())  # as a DBA would, to tamper
        u.session.execute(text("UPDATE ledger_txn SET amount_cents = 1 WHERE kind = 'payment' AND line_id IS NOT NULL"))
        u.commit()
    with uow(write=False) as u:
        found = _problems(u)
    assert any("journal" in p and "altered" in p for p in found["journals"])
    assert any("service line L1" in p for p in found["line balances"])


def test_verify_names_a_hand_altered_cache_and_line_amount(uow, admin) -> None:
    with uow() as u:
        build_tiny(u)
        u.commit()
    with uow() as u:
        u.session.execute(text("UPDATE guarantor SET escrow_cents = 0"))
        u.session.execute(text("UPDATE service_line SET amount_cents = 99 WHERE source_id = 'L2'"))
        u.commit()
    with uow(write=False) as u:
        found = _problems(u)
    assert any("guarantor G1" in p for p in found["guarantor balances"])
    assert any("service line L2" in p for p in found["charges"])


def test_verify_catches_altered_deleted_and_reordered_audit_entries(uow, admin) -> None:
    with uow() as u:
        for i in range(4):
            audit.record(u, "tester", "test.step", "thing", [i], None, {"n": i})
        u.commit()
    with uow(write=False) as u:
        assert _problems(u) == {}
    with uow() as u:
        drop_append_only_triggers(u.session.connection())  # as a DBA would, to tamper
        u.session.execute(text("UPDATE audit_entry SET after = :a WHERE id = 3"), {"a": '{"n":99}'})
        u.commit()
    with uow(write=False) as u:
        assert _problems(u)["audit chain"] == ["audit entry 3: its content was changed after it was written (its "
                                               "signature does not match: changed, or written by someone without "
                                               "the audit key)"]
    with uow() as u:
        drop_append_only_triggers(u.session.connection())  # (PostgreSQL: off for this transaction only)
        u.session.execute(text("UPDATE audit_entry SET after = :a WHERE id = 3"), {"a": '{"n":1}'})
        u.session.execute(text("DELETE FROM audit_entry WHERE id = 4"))
        u.commit()
    with uow(write=False) as u:
        assert _problems(u)["audit chain"] == [
            "audit entry 5: does not follow the entry before it (deleted or re-ordered)"]


def test_unit_of_work_rolls_back_unless_committed(uow, admin) -> None:
    with uow() as u:
        build_tiny(u)  # no commit
    with uow(write=False) as u:
        assert u.session.execute(text("SELECT COUNT(*) FROM ledger_txn")).scalar_one() == 0
        assert u.session.execute(text("SELECT COUNT(*) FROM practice")).scalar_one() == 0


def test_closing_a_journal_adds_it_to_caches_exactly_as_a_full_recount(uow, admin) -> None:
    """close_journal adds a journal's change to the line caches instead of recounting each line's
    history: after a second journal (several rows on one line, an insurance line, escrow applied
    back) every cache equals what refresh_practice recounts from the whole ledger."""
    from core import ledger
    with uow() as u:
        t = build_tiny(u)
        j = ledger.open_journal(u, "second", "tester", dt.date(2026, 7, 1), t.practice_id)
        for kind, line, cents in (("payment", t.line_ids[0], 1000), ("adjustment", t.line_ids[0], 500),
                                  ("payment", t.line_ids[1], 20000), ("transfer", t.line_ids[0], 2000)):
            ledger.post(u, j, practice_id=t.practice_id, guarantor_id=t.guarantor_id, line_id=line,
                        date=j.business_date, kind=kind, amount_cents=cents)
        ledger.post(u, j, practice_id=t.practice_id, guarantor_id=t.guarantor_id, line_id=None,
                    date=j.business_date, kind="payment", amount_cents=-700)  # 7.00 of escrow refunded
        ledger.close_journal(u, j)
        caches = "SELECT ar_cents, collections_cents FROM service_line UNION ALL " \
                 "SELECT ar_cents + 10 * ins_ar_cents, collections_cents FROM encounter UNION ALL " \
                 "SELECT ar_cents + 10 * ins_ar_cents + 100 * escrow_cents, collections_cents FROM guarantor"
        added = u.session.execute(text(caches)).all()
        ledger.refresh_practice(u, t.practice_id)
        assert u.session.execute(text(caches)).all() == added
        g = u.session.get(Guarantor, t.guarantor_id)
        u.session.refresh(g)
        assert (g.ar_cents, g.ins_ar_cents, g.collections_cents, g.escrow_cents) == (3500, 5000, 2000, 800)
