"""Files are records (SPEC 16): the database identity in every name, never an overwrite, verify
tells a missing file from an altered one, and the business associate agreement warning."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from core import external
from core.errors import NeedsConfirmation
from core.exchange import agency_files
from core.security import bootstrap_admin
from core.verify import verify
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from tests import factories as f
from tests.conftest import LOGIN, TODAY
from tests.external_helpers import agency, days_ago, run


def _posted(uow, admin, tmp_path: Path, baa: bool = True):
    """P1 with two lines posted to AG (auto approve, no auto file), ready for a file."""
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        f.encounter(u, p, g, [10000, 2550], posted=days_ago(100), source_id="E1")
        u.commit()
    agency(uow, admin, p, "AG", "0.00", 60, approve=True)
    if not baa:
        with uow() as u:
            agency_files.save_agency(u, admin, p.id, "AG", TODAY, clear_baa=True)
    run(uow, admin, p, TODAY, tmp_path / "nightly")
    return p


def _file_problems(uow) -> list[str]:
    with uow(write=False) as u:
        return next(c for c in verify(u) if c.name == "files").problems


def test_two_databases_writing_into_one_folder_never_share_a_name(uow, admin, tmp_path):
    """Same practice, agency, batch and date in two databases on one machine, one folder."""
    out = tmp_path / "agency-files"
    p = _posted(uow, admin, tmp_path)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    schema.upgrade(other)
    try:
        def uow2(write: bool = True) -> SqlUnitOfWork:
            return SqlUnitOfWork(other, write=write)
        with uow2() as u:
            admin2 = bootstrap_admin(u, LOGIN)
            u.commit()
        p2 = _posted(uow2, admin2, tmp_path)
        with uow() as u:
            first = external.create_file(u, admin, p.id, "AG", TODAY, out, confirmed=True)
        with uow2() as u:
            second = external.create_file(u, admin2, p2.id, "AG", TODAY, out, confirmed=True)
        ids = (f.identity(uow), f.identity(uow2))
        assert ids[0] != ids[1]
        assert (first["batch"], second["batch"]) == (1, 1)
        assert Path(first["path"]).name == f"P1_AG_new000001_{TODAY}_{ids[0]}.xlsx"
        assert Path(second["path"]).name == f"P1_AG_new000001_{TODAY}_{ids[1]}.xlsx"
        assert sorted(p.name for p in out.iterdir()) == sorted(Path(x["path"]).name for x in (first, second))
        assert _file_problems(uow) == [] and _file_problems(uow2) == []
    finally:
        other.dispose()


def test_a_taken_name_is_never_overwritten(uow, admin, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    p = _posted(uow, admin, tmp_path)
    taken = out / f"P1_AG_new000001_{TODAY}_{f.identity(uow)}.xlsx"
    taken.write_bytes(b"somebody else's file")
    with uow() as u:
        made = external.create_file(u, admin, p.id, "AG", TODAY, out, confirmed=True)
    assert taken.read_bytes() == b"somebody else's file"
    assert made["path"] == str(taken.with_name(f"{taken.stem}-2.xlsx"))
    assert stat.S_IMODE(Path(made["path"]).stat().st_mode) == 0o600
    with uow(write=False) as u:
        assert u.session.execute(text("SELECT path FROM agency_file")).scalar_one() == made["path"]
    assert _file_problems(uow) == []


def test_verify_reports_missing_and_altered_files_apart(uow, admin, tmp_path, cli):
    p = _posted(uow, admin, tmp_path)
    with uow() as u:
        made = external.create_file(u, admin, p.id, "AG", TODAY, tmp_path / "out", confirmed=True)
    assert cli("verify")[0] == 0
    path = Path(made["path"])
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    [problem] = _file_problems(uow)
    assert problem.startswith("agency file 1: altered")
    code, out, _ = cli("verify")
    assert code == 1 and "altered" in out
    path.unlink()
    [problem] = _file_problems(uow)
    assert problem.startswith("agency file 1: missing")
    assert cli("verify")[0] == 1


def test_no_agreement_on_record_needs_confirmation(uow, admin, tmp_path, cli):
    p = _posted(uow, admin, tmp_path, baa=False)
    out = tmp_path / "out"
    with uow() as u, pytest.raises(NeedsConfirmation) as exc:
        external.create_file(u, admin, p.id, "AG", TODAY, out)
    assert any("no business associate agreement" in n for n in exc.value.summary.notes)
    assert not out.exists()
    code, text_out, _ = cli("external", "file", "--practice", "P1", "--agency", "AG", "--out", str(out),
                            "--as-of", TODAY.isoformat())
    assert code == 3 and "business associate agreement" in text_out and not out.exists()
    assert cli("external", "file", "--practice", "P1", "--agency", "AG", "--out", str(out),
               "--as-of", TODAY.isoformat(), "--yes")[0] == 0
    assert len(list(out.iterdir())) == 1


def test_the_nightly_writes_no_file_for_an_agency_without_agreement(uow, admin, tmp_path):
    with uow() as u:
        p = f.practice(u)
        f.encounter(u, p, f.guarantor(u, p, "G1"), [10000], posted=days_ago(100), source_id="E1")
        u.commit()
    agency(uow, admin, p, "AG", "0.00", 60, approve=True, file=True)
    with uow() as u:
        agency_files.save_agency(u, admin, p.id, "AG", TODAY, clear_baa=True)
    result = run(uow, admin, p, TODAY, tmp_path / "out")
    assert result.files == [] and result.no_agreement == ["AG"]
    assert result.steps["post"][0] == 1 and not (tmp_path / "out").exists()
