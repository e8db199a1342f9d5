"""The read side of accounts on both databases: keyset pages, filters, dashboards, find."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core import accounts
from core.accounts import GuarantorFilter
from core.models import AuditEntry
from tests.tui.data import AS_OF, build


@pytest.fixture
def data(uow, admin):  # type: ignore[no-untyped-def]
    with uow() as u:
        b = build(u)
        u.commit()
    return b


NO_FILTER = GuarantorFilter()


def _all_by_pages(u, practice_id, sort, descending, filt=NO_FILTER, limit=7):  # type: ignore[no-untyped-def]
    rows, after = [], None
    while True:
        page = accounts.guarantor_page(u, practice_id, filt, sort, descending, after=after, limit=limit)
        if not page:
            return rows
        rows += page
        after = accounts.sort_key(page[-1], sort)


@pytest.mark.parametrize("sort", list(accounts.SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_walk_the_whole_list_in_order_without_repeats(uow, data, sort, descending):  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        rows = _all_by_pages(u, data.practice_id, sort, descending)
        one = accounts.guarantor_page(u, data.practice_id, GuarantorFilter(), sort, descending, limit=1000)
    assert [r.id for r in rows] == [r.id for r in one]
    assert len(rows) == data.guarantor_count == len({r.id for r in rows})
    keys = [accounts.sort_key(r, sort) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_before_reads_the_page_preceding_a_row_and_offset_jumps(uow, data):  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        everything = accounts.guarantor_page(u, data.practice_id, GuarantorFilter(), "ar", True, limit=1000)
        before = accounts.guarantor_page(u, data.practice_id, GuarantorFilter(), "ar", True,
                                         before=accounts.sort_key(everything[20], "ar"), limit=5)
        jumped = accounts.guarantor_page(u, data.practice_id, GuarantorFilter(), "ar", True, offset=30, limit=5)
    assert before == everything[15:20]
    assert jumped == everything[30:35]


def test_filters_and_counts_agree(uow, data):  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        def both(**kw):  # type: ignore[no-untyped-def]
            f = GuarantorFilter(**kw)
            rows = accounts.guarantor_page(u, data.practice_id, f, limit=1000)
            assert accounts.count_guarantors(u, data.practice_id, f) == len(rows)
            return rows
        assert [r.source_id for r in both(text="G001")] == ["G001"]          # exact id
        loves = {r.name for r in both(text="LOVE")}                          # part of a name, any case
        assert "Ada Lovelace" in loves and all("Lovelace" in n for n in loves)
        assert [r.source_id for r in both(in_collections=True)] == ["G001"]
        assert [r.kind for r in both(kind="employer")] == ["employer"]
        rich = both(ar_min=10000)
        assert rich and all(r.ar_cents >= 10000 for r in rich)
        assert all(r.ar_cents <= 5000 for r in both(ar_max=5000))
        assert both(collections_min=4001) == []


def test_guarantor_dashboard_splits_balances_and_audits_the_opening(uow, data, admin):  # type: ignore[no-untyped-def]
    with uow() as u:
        d = accounts.guarantor_detail(u, admin, data.ada_id, AS_OF)
    assert (d.ar_cents, d.collections_cents, d.escrow_cents) == (4500, 4000, 1500)
    assert d.ins_ar_cents == 24000
    assert len(d.encounters) == 2 and len(d.statements) == 1
    assert any(t.line_source_id is None and t.amount_cents == 1500 for t in d.transactions)
    with uow(write=False) as u:
        last = u.session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (last.action, last.entity, last.record_ids) == ("account.open", "guarantor", '["G001"]')


def test_encounter_dashboard_lists_lines_and_their_money(uow, data, admin):  # type: ignore[no-untyped-def]
    older = data.ada_encounter_ids[1]
    with uow() as u:
        d = accounts.encounter_detail(u, admin, older, AS_OF)
    assert [ln.source_id for ln in d.lines] == ["L0011G", "L0011I"]
    assert (d.encounter.ar_cents, d.encounter.collections_cents) == (1500, 4000)
    assert {t.kind for t in d.transactions} == {"charge", "payment", "transfer"}
    assert d.guarantor_source_id == "G001"


def test_missing_records_say_so(uow, data, admin):  # type: ignore[no-untyped-def]
    with uow() as u, pytest.raises(accounts.NotFound):
        accounts.guarantor_detail(u, admin, 999999, AS_OF)


def test_find_by_id_first_then_names(uow, data):  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        by_id = accounts.find(u, data.practice_id, "G001")
        by_name = accounts.find(u, data.practice_id, "lovelace")
        encounter = accounts.find(u, data.practice_id, "E0010")
        other_practice = accounts.find(u, data.other_practice_id, "G001")
    assert (by_id[0].kind, by_id[0].name) == ("guarantor", "Ada Lovelace")
    assert {m.kind for m in by_name} == {"guarantor", "encounter"}
    assert (encounter[0].kind, encounter[0].source_id) == ("encounter", "E0010")
    assert [m.name for m in other_practice] == ["Sam South"]
    assert accounts.find(u, data.practice_id, "   ") == []
