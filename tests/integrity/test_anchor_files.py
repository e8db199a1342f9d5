"""Anchors written after every batch (SPEC 17): a new owner-only file per batch in the anchor
folder ($RECOUP_ANCHORS; tests point it at their own folder), never overwritten, and `recoup
verify --anchor FOLDER` checks the chain still reaches every anchor of this database in it."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from core import anchors, audit
from core import precollections as pc
from core.precollections.criteria import Criteria
from db.uow import SqlUnitOfWork
from tests.conftest import TODAY
from tests.integrity.tamper_data import as_dba, seed


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "anchor-files"  # the conftest's RECOUP_ANCHORS


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("recoup-anchor_*.txt"))


def test_a_batch_writes_an_owner_only_anchor_of_the_head_it_committed(engine, uow, admin, folder) -> None:
    s = seed(uow, admin)  # Add Pre-Collection Tasks is a batch
    files = _files(folder)
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    with uow() as u:
        pc.set_action(u, admin, s.practice_id, "remove", TODAY, filt=pc.TaskFilter())
    with uow() as u:
        pc.apply(u, admin, s.practice_id, TODAY, confirmed=True)
        head = audit._head(u)
    files = _files(folder)
    assert len(files) == 2  # Set Action is no batch; Apply is
    (line,) = files[-1].read_text().splitlines()
    assert head is not None and f"entry={head.id} hash={head.hash} " in line


def test_verify_checks_every_anchor_in_the_folder(engine, cli, uow, admin, folder) -> None:
    s = seed(uow, admin)
    with uow() as u:
        pc.add_tasks(u, admin, s.practice_id, Criteria(dunning_min=1), TODAY)
    assert len(_files(folder)) == 2
    code, out, _err = cli("verify", "--anchor", str(folder))
    assert code == 0, out
    assert "ok   anchors: 2 checked" in out and f"anchors from {folder}" in out
    as_dba(engine, "DELETE FROM audit_entry WHERE id = (SELECT MAX(id) FROM audit_entry)")
    code, out, _err = cli("verify", "--anchor", str(folder))
    assert code == 1 and "FAIL anchors" in out and "is gone (the chain was cut back" in out, out


def test_an_anchor_file_is_never_overwritten(tmp_path: Path) -> None:
    a = audit.Anchor(7, "ab" * 32, dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    first = anchors.write(tmp_path / "a", "db1", a)
    first.write_text("kept\n")
    second = anchors.write(tmp_path / "a", "db1", a)
    assert second != first and first.read_text() == "kept\n"
    assert second.read_text() == a.line() + "\n"


def test_a_folder_without_anchors_of_this_database_is_one_clear_line(cli, uow, admin, tmp_path) -> None:
    seed(uow, admin)
    (tmp_path / "empty").mkdir()
    code, _out, err = cli("verify", "--anchor", str(tmp_path / "empty"))
    assert code == 2 and "holds no audit anchor of this database" in err


def test_anchors_off_and_previews_write_none(engine, uow, admin, folder, monkeypatch) -> None:
    monkeypatch.setenv(anchors.ENV, "off")
    seed(uow, admin)
    assert not folder.exists()
    monkeypatch.setenv(anchors.ENV, str(folder))
    with SqlUnitOfWork(engine, rehearsal=True) as u:
        pc.add_tasks(u, admin, 1, Criteria(dunning_min=1), TODAY)
    assert _files(folder) == []


def test_a_folder_that_cannot_be_written_does_not_fail_the_batch(engine, uow, admin, tmp_path, monkeypatch,
                                                                 caplog) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(anchors.ENV, str(tmp_path / "file" / "anchors"))
    seed(uow, admin)  # committed, with a warning
    assert "audit anchor of entry" in caplog.text
