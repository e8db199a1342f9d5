"""The demo practices: consistent ledger, realistic variety, deterministic from the seed, on both back ends."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import col, select

from core import security
from core.errors import Conflict, Refused
from core.models.audit import AuditEntry
from core.models.ledger import Encounter, Guarantor, LedgerTxn, Practice, ServiceLine, Statement
from core.models.security import Operator
from core.verify import verify
from db import schema
from db.demo import SIZES, build_demo
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from tests.conftest import LOGIN, TODAY

pytestmark = pytest.mark.slow  # starts from the small demo, on each back end

demo_tests = pytest.mark.small_demo  # `engine` holds a copy of the small demo, built once per run


def _count(u: SqlUnitOfWork, *where, model=ServiceLine) -> int:
    stmt = select(func.count()).select_from(model)
    for clause in where:
        stmt = stmt.where(clause)
    return int(u.session.exec(stmt).one())


@pytest.fixture
def demo(demo_build) -> str:  # type: ignore[no-untyped-def]
    """What building the demo in `engine` said."""
    return str(demo_build.report)


@demo_tests
def test_small_demo_passes_every_verify_check(demo, uow) -> None:
    with uow(write=False) as u:
        checks = verify(u)
    assert [c.name for c in checks if not c.ok] == [], [c.problems for c in checks if not c.ok]
    # every check has something to check, except "501(r) obeyed": the demo turns no account over to
    # an agency that takes ECAs yet (its hospital's accounts stop before turnover)
    assert [c.name for c in checks if c.checked == 0] in ([], ["501(r) obeyed"])


@demo_tests
def test_small_demo_counts_are_in_range(demo, uow) -> None:
    assert f"{SIZES['small']} encounters" in demo
    with uow(write=False) as u:
        practices = u.session.exec(select(Practice).order_by(Practice.source_id)).all()
        assert [p.source_id for p in practices] == ["DEMO-FAM", "DEMO-OCC", "DEMO-ORTHO"]
        assert _count(u, model=Encounter) == SIZES["small"]
        assert 100 <= _count(u, model=Guarantor) <= 250
        per_encounter = u.session.exec(select(func.count()).select_from(ServiceLine)
                                       .group_by(ServiceLine.encounter_id)).all()
        assert min(per_encounter) == 1 and max(per_encounter) == 4
        assert _count(u, model=LedgerTxn) > 2 * _count(u)


@demo_tests
def test_demo_has_the_variety_collections_needs(demo, uow) -> None:
    with uow(write=False) as u:
        # escrow: unapplied payments on the guarantor, shown as escrow
        assert _count(u, col(LedgerTxn.line_id).is_(None), model=LedgerTxn) > 0
        assert _count(u, Guarantor.escrow_cents > 0, model=Guarantor) > 0
        # credits, open balances and zero balances
        assert _count(u, ServiceLine.ar_cents < 0) > 0
        assert _count(u, ServiceLine.ar_cents > 0) > 0
        assert _count(u, ServiceLine.ar_cents == 0) > 0
        assert _count(u, Encounter.ar_cents == 0, model=Encounter) > 0
        # employers and TPAs, only at the occupational-medicine practice, paying as employers
        occ = u.session.exec(select(Practice).where(Practice.source_id == "DEMO-OCC")).one()
        employers = u.session.exec(select(Guarantor).where(Guarantor.kind == "employer")).all()
        assert employers and {g.practice_id for g in employers} == {occ.id}
        assert occ.employer_collections
        assert _count(u, LedgerTxn.source == "employer", model=LedgerTxn) > 0
        # insurance lines, and lines that became the guarantor's after insurance paid
        assert _count(u, ServiceLine.responsibility == "insurance", ServiceLine.ar_cents > 0) > 0
        assert _count(u, col(ServiceLine.responsibility_date) > col(ServiceLine.posted_date)) > 0
        assert _count(u, LedgerTxn.source == "insurance", LedgerTxn.kind == "payment", model=LedgerTxn) > 0
        codes = set(u.session.exec(select(LedgerTxn.adjustment_code).distinct()).all())
        assert {"CO45", "WO"} <= codes and len(codes - {None}) >= 4
        # statements and dunning, returned mail
        assert set(u.session.exec(select(Statement.dunning_level).distinct()).all()) == {1, 2, 3, 4}
        assert _count(u, Encounter.dunning_count >= 3, model=Encounter) > 0
        assert _count(u, Encounter.statements_sent > Encounter.dunning_count, model=Encounter) > 0
        assert _count(u, col(Guarantor.returned_mail).is_(True), model=Guarantor) > 0
        assert len(set(u.session.exec(select(Encounter.statement_profile).distinct()).all())) >= 4


@demo_tests
def test_open_balances_age_from_days_to_years(demo, uow) -> None:
    with uow(write=False) as u:
        anchor = func.coalesce(ServiceLine.responsibility_date, ServiceLine.posted_date)
        oldest, newest = u.session.exec(
            select(func.min(anchor), func.max(anchor))
            .where(ServiceLine.responsibility == "guarantor", ServiceLine.ar_cents > 0)).one()
        dos = u.session.exec(select(func.max(Encounter.dos))).one()
    oldest, newest = (dt.date.fromisoformat(str(d)) for d in (oldest, newest))
    assert (TODAY - oldest).days > 3 * 365
    assert (TODAY - newest).days < 60
    assert dos <= TODAY


@demo_tests
def test_demo_adds_operators_and_one_audit_entry(demo, uow) -> None:
    with uow(write=False) as u:
        roles = dict(u.session.exec(select(Operator.name, Operator.role)).all())
        entries = u.session.exec(select(AuditEntry).where(AuditEntry.action == "demo.build")).all()
    assert roles == {LOGIN: "admin", "collector1": "collector", "super1": "supervisor", "viewer1": "viewer"}
    assert len(entries) == 1 and '"size":"small"' in entries[0].after


def fingerprint(engine: Engine) -> str:
    """Everything the demo made, without surrogate ids, in a stable order."""
    rows: list[tuple] = []
    with SqlUnitOfWork(engine, write=False) as u:
        s = u.session
        rows += s.exec(select(Practice.source_id, Practice.name, Practice.aging_basis)).all()
        rows += s.exec(select(Guarantor.source_id, Guarantor.kind, Guarantor.name, Guarantor.birth_date,
                              Guarantor.address1, Guarantor.address2, Guarantor.city, Guarantor.zip,
                              Guarantor.phone, Guarantor.billing_group, Guarantor.returned_mail,
                              Guarantor.internal_comment, Guarantor.dunning_level, Guarantor.ar_cents,
                              Guarantor.ins_ar_cents, Guarantor.escrow_cents)).all()
        rows += s.exec(select(Encounter.source_id, Encounter.patient_name, Encounter.dos, Encounter.case_id,
                              Encounter.statement_profile, Encounter.dunning_count,
                              Encounter.statements_sent, Encounter.ar_cents, Encounter.ins_ar_cents)).all()
        rows += s.exec(select(ServiceLine.source_id, ServiceLine.dos, ServiceLine.procedure_code,
                              ServiceLine.amount_cents, ServiceLine.posted_date, ServiceLine.responsibility,
                              ServiceLine.responsibility_date, ServiceLine.billing_group,
                              ServiceLine.ar_cents)).all()
        rows += s.exec(select(LedgerTxn.source_id, ServiceLine.source_id, LedgerTxn.date, LedgerTxn.kind,
                              LedgerTxn.source, LedgerTxn.amount_cents, LedgerTxn.adjustment_code,
                              LedgerTxn.memo).join(ServiceLine, isouter=True)).all()
        rows += s.exec(select(Statement.source_id, Statement.date, Statement.dunning_level)).all()
    text = "\n".join(sorted(repr(tuple(r)) for r in rows))
    return hashlib.sha256(text.encode()).hexdigest()


def test_demo_keeps_every_foreign_key_and_index(engine, tmp_path: Path) -> None:
    """On PostgreSQL the load drops the bulk tables' foreign keys and plain indexes and makes them
    again (db.demo._bulk_load): the schema afterwards is the schema before."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's load keeps its keys and indexes")

    def schema_now() -> set[tuple[str, ...]]:
        with engine.connect() as conn:
            keys = conn.execute(text("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
                                     "convalidated::text FROM pg_constraint WHERE contype = 'f'")).all()
            indexes = conn.execute(text("SELECT tablename, indexname, indexdef FROM pg_indexes "
                                        "WHERE schemaname = current_schema()")).all()
        return {tuple(map(str, r)) for r in [*keys, *indexes]}

    before = schema_now()
    build_demo(engine, LOGIN, TODAY, "small", folder=tmp_path / "demo-files")
    after = schema_now()
    assert after == before
    assert any(r[1] == "fk_ledger_txn_line_id_service_line" for r in after)
    assert any(r[1] == "ix_service_line_open_anchor" for r in after)


@pytest.fixture(scope="session")
def fresh_fingerprints(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """Fingerprints of the small demo built anew in SQLite files with seed 7 (the template's seed,
    a build independent of it) and seed 8: built once per run, shared by the back ends' tests."""
    import json

    from tests.conftest import built_once, run_folder
    folder = run_folder(tmp_path_factory) / "demo-fingerprints"
    with built_once(folder) as build:
        if build:
            prints = {}
            for seed in (7, 8):
                eng = make_engine(f"sqlite:///{folder / f'seed{seed}.db'}")
                schema.upgrade(eng)
                build_demo(eng, LOGIN, TODAY, "small", seed=seed, folder=folder / f"seed{seed}-files")
                prints[seed] = fingerprint(eng)
                eng.dispose()
            (folder / "prints.json").write_text(json.dumps(prints))
    return {int(k): v for k, v in json.loads((folder / "prints.json").read_text()).items()}


@demo_tests
def test_same_seed_gives_the_same_data_on_any_back_end(demo, engine, fresh_fingerprints) -> None:
    assert fresh_fingerprints[7] == fingerprint(engine)
    assert fresh_fingerprints[8] != fingerprint(engine)


@demo_tests
def test_running_again_opens_the_existing_demo(demo, engine, uow, tmp_path: Path) -> None:
    with uow(write=False) as u:
        before = _count(u, model=LedgerTxn), _count(u, model=Guarantor)
    again = build_demo(engine, LOGIN, TODAY, "small", folder=tmp_path / "demo-files")
    assert "already" in again
    with uow(write=False) as u:
        assert (_count(u, model=LedgerTxn), _count(u, model=Guarantor)) == before
    with pytest.raises(Conflict, match="--db"):
        build_demo(engine, LOGIN, TODAY, "medium", folder=tmp_path / "demo-files")


def test_only_an_admin_builds_the_demo(engine, uow, admin, tmp_path: Path) -> None:
    with uow() as u:
        security.add_user(u, admin, "clerk", "collector")
    with pytest.raises(Refused):
        build_demo(engine, "clerk", TODAY, "small", folder=tmp_path)
    with uow(write=False) as u:
        assert _count(u, model=Practice) == 0


def test_cli_demo_then_verify(cli, tmp_path: Path) -> None:
    code, out, err = cli("demo", "--no-tui", "--size", "small", "--as-of", TODAY.isoformat())
    assert code == 0, err
    assert "Built the small demo" in out
    # The demo's files go where real agency files go ($RECOUP_AGENCY_FILES here), not to a temporary folder.
    folder = tmp_path / "agency-files"
    assert f"{folder}/" in out and {p.suffix for p in folder.iterdir()} >= {".xlsx", ".csv", ".pdf"}
    code, out, err = cli("verify")
    assert code == 0, out + err
    assert "all checks passed" in out
    code, out, _ = cli("demo", "--no-tui")
    assert code == 0 and "already" in out
