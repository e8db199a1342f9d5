"""The compliance settings and the agencies' ECA kinds (SPEC 15.3-15.5) as the admin screens save
them: with the version read, a second admin's change made meanwhile is refused (also when both
save at the same moment: one conditional UPDATE decides), nothing is written and nothing audited;
anyone but an admin is refused; a bad value names its field. Both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from core import compliance_settings
from core.errors import BadInput, Conflict, Refused
from core.exchange import agency_files
from core.practices import practice_by_id
from core.security import Actor
from tests import factories as f
from tests.roster_data import day

SUMMARY = "We help patients who cannot pay."


@pytest.fixture
def world(uow, admin) -> int:  # type: ignore[no-untyped-def]
    with uow() as u:
        pid = f.practice(u).id
        u.commit()
    with uow() as u:
        agency_files.save_agency(u, admin, pid, "AG1", day(0), name="Acme Recovery")
    return int(pid)


def _version(uow, pid: int) -> int:  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        return practice_by_id(u, pid).version


def _audits(uow, action: str) -> int:  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        return int(u.session.execute(text("SELECT COUNT(*) FROM audit_entry WHERE action = :a"),
                                     {"a": action}).scalar_one())


def test_a_stale_save_is_refused_and_nothing_is_written(uow, admin, world) -> None:
    read = _version(uow, world)
    with uow() as u:
        compliance_settings.set_compliance(u, Actor("other", "admin"), world, day(1), itemization_basis="service",
                                           expected_version=read)
    with uow() as u, pytest.raises(Conflict, match="changed by someone else after you read it"):
        compliance_settings.set_compliance(u, admin, world, day(1), credit_report_min_cents=1, expected_version=read)
    with uow(write=False) as u:
        shown = compliance_settings.practice_settings(u, admin, world)
    assert (shown["itemization_basis"], shown["credit_report_min_cents"]) == ("service", 50_000)
    assert _version(uow, world) == read + 1 and _audits(uow, "practice.compliance") == 1


def test_two_admins_saving_at_once_one_wins(uow, admin, world) -> None:
    read = _version(uow, world)
    start, results = threading.Barrier(2), []

    def save(basis: str) -> None:
        start.wait()
        try:
            with uow() as u:
                compliance_settings.set_compliance(u, admin, world, day(1), itemization_basis=basis,
                                                   expected_version=read)
            results.append("saved")
        except Conflict:
            results.append("refused")

    threads = [threading.Thread(target=save, args=(b,)) for b in ("service", "last_payment")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["refused", "saved"]
    assert _version(uow, world) == read + 1 and _audits(uow, "practice.compliance") == 1


def test_only_admins_and_each_bad_value_names_its_field(uow, admin, world) -> None:
    with uow() as u, pytest.raises(Refused):
        compliance_settings.set_compliance(u, Actor("carol", "collector"), world, day(1), nonprofit_501r=True,
                                           fap_summary=SUMMARY)
    for changes, field in (({"nonprofit_501r": True}, "fap_summary"),
                           ({"nonprofit_501r": True, "fap_summary": "   "}, "fap_summary"),
                           ({"fap_summary": "x" * 2001}, "fap_summary"),
                           ({"credit_report_min_cents": -1}, "credit_report_min"),
                           ({"itemization_basis": "whenever"}, "itemization_basis")):
        with uow() as u, pytest.raises(BadInput) as bad:
            compliance_settings.set_compliance(u, admin, world, day(1), **changes)
        assert bad.value.field == field and bad.value.message.count(":") >= 1
    assert _audits(uow, "practice.compliance") == 0
    with uow() as u:
        compliance_settings.set_compliance(u, admin, world, day(1), nonprofit_501r=True, fap_summary=SUMMARY)
    with uow() as u:            # off again, a blank summary clears it
        compliance_settings.set_compliance(u, admin, world, day(1), nonprofit_501r=False, fap_summary="")
    with uow(write=False) as u:
        assert compliance_settings.practice_settings(u, admin, world)["fap_summary"] is None


def test_an_agencys_eca_kinds_from_a_stale_read_are_refused(uow, admin, world) -> None:
    with uow(write=False) as u:
        [ag] = compliance_settings.agencies_eca(u, admin, world)
        read = ag.version
    with uow() as u:
        compliance_settings.set_agency_eca(u, Actor("other", "admin"), world, "AG1", ["legal"], day(1))
    with uow() as u, pytest.raises(Conflict, match="agency AG1: changed by someone else"):
        compliance_settings.set_agency_eca(u, admin, world, "AG1", ["debt_sale"], day(1), expected_version=read)
    with uow() as u, pytest.raises(BadInput) as bad:
        compliance_settings.set_agency_eca(u, admin, world, "AG1", ["lawsuits"], day(1), expected_version=read + 1)
    assert bad.value.field == "eca_kinds"
    with uow() as u, pytest.raises(Refused):
        compliance_settings.set_agency_eca(u, Actor("carol", "collector"), world, "AG1", ["legal"], day(1))
    with uow() as u:
        compliance_settings.set_agency_eca(u, admin, world, "AG1", ["debt_sale", "credit_reporting"], day(1),
                                           expected_version=read + 1)
    with uow(write=False) as u:
        [ag] = compliance_settings.agencies_eca(u, admin, world)
    assert (ag.eca_kinds, ag.version) == ("credit_reporting,debt_sale", read + 2)
    assert _audits(uow, "agency.eca_kinds") == 2
