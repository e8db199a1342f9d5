"""The roster lists the screens page by keyset, the populate progress callback, and removals
from Collections Admin — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core import roster
from core.errors import Refused
from core.roster import read as roster_read
from core.roster.removals import remove_adjustment_code, remove_billing_group, remove_letter_template
from tests import roster_data as d


@pytest.fixture
def many(uow, admin):  # type: ignore[no-untyped-def]
    """23 accounts in the roster, some with a next contact date."""
    with uow() as u:
        p = d.practice(u)
        gs = [d.guarantor(u, p, f"G{i:02d}") for i in range(23)]
        for i, g in enumerate(gs):
            d.charge(u, p, g, 3000 + 100 * i, d.day(0))
        u.commit()
    with uow() as u:
        roster.populate(u, admin, p, d.day(70))
    for g in gs[:5]:
        with uow() as u:
            roster.add_note(u, admin, g, "called", d.day(70), d.day(72 + gs.index(g) % 2))
    return p, gs


def test_keyset_pages_walk_the_whole_list_both_ways(uow, admin, many) -> None:  # type: ignore[no-untyped-def]
    p, _gs = many
    as_of = d.day(70)
    with uow(write=False) as u:
        assert roster_read.roster_count(u, admin, p, as_of) == 23
        whole = roster_read.roster_page(u, admin, p, as_of, limit=100)
        walked, after = [], None
        while True:
            page = roster_read.roster_page(u, admin, p, as_of, after=after, limit=7)
            if not page:
                break
            walked += page
            after = roster_read.row_key(page[-1])
        back = roster_read.roster_page(u, admin, p, as_of, before=roster_read.row_key(whole[10]), limit=4)
        assert roster_read.roster_page(u, admin, p, as_of, offset=20, limit=7) == whole[20:]
        assert roster_read.roster_count(u, admin, p, as_of, "due") == 0
        assert roster_read.roster_count(u, admin, p, d.day(72), "due") == 3
        assert roster_read.roster_count(u, admin, p, as_of, "dead_end") == 0
    assert [r.id for r in walked] == [r.id for r in whole]
    assert back == whole[6:10]
    assert [r.next_contact is not None for r in whole[:5]] == [True] * 5   # dated contacts first
    assert whole[0].status == "1" and whole[0].days == 0


def test_populate_reports_each_step(uow, admin, many) -> None:  # type: ignore[no-untyped-def]
    p, _ = many
    seen: list[tuple[str, int, int]] = []
    with uow() as u:
        roster.populate(u, admin, p, d.day(90), progress=lambda *a: seen.append(a))
    assert seen[0] == ("reading balances", 0, 7) and seen[-1] == ("done", 7, 7)
    assert [s[1] for s in seen] == list(range(8))


def test_removing_what_is_still_named_is_refused(uow, admin, many) -> None:  # type: ignore[no-untyped-def]
    p, _ = many
    with uow() as u, pytest.raises(Refused, match="transfer billing group"):
        remove_billing_group(u, admin, p, "COL")
    with uow() as u, pytest.raises(Refused, match="write off code"):
        remove_adjustment_code(u, admin, p, "WO")
    with uow() as u, pytest.raises(Refused, match="status 1 sends it"):
        remove_letter_template(u, admin, p, "Past Due Reminder")
    with uow() as u:
        roster.set_billing_group(u, admin, p, "TMP", "temporary")
    with uow() as u:
        remove_billing_group(u, admin, p, "TMP")
    with uow(write=False) as u:
        assert "TMP" not in {g.code for g in roster_read.billing_groups(u, p)}


def test_past_due_is_never_more_than_the_balance(uow, admin, many) -> None:  # type: ignore[no-untyped-def]
    """Past due is measured at the populate; a payment since lowers the balance below it, and the
    list shows no more past due than is still owed."""
    p, gs = many
    with uow() as u:
        d.pay(u, p, gs[3], 2000, d.day(71))
        u.commit()
    with uow(write=False) as u:
        rows = {r.id: r for r in roster_read.roster_page(u, admin, p, d.day(72), limit=100)}
    paid = rows[gs[3]]
    assert paid.balance_cents == 3300 - 2000
    assert paid.past_due_cents == paid.balance_cents
    assert all(r.past_due_cents <= max(r.balance_cents, 0) for r in rows.values())
    assert rows[gs[4]].past_due_cents == 3400           # untouched accounts keep their past due
