"""Strict import parsing (SPEC 17): amounts in ASCII digits only, dates within a window of the
business date, no NUL or other control characters, and messages that name file, line and column
but never repeat the cell. On SQLite and PostgreSQL (NUL used to be stored on one and to give a
traceback with patient names on the other)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.errors import BadInput
from core.imports import import_folder
from core.imports.columns import FUTURE_DAYS
from core.models import Guarantor, ServiceLine
from tests.conftest import TODAY
from tests.import_files import GOOD, with_row, write_folder

LINE = "L2,E1,,80053,{amount},{posted},insurance,"
PATIENT = "G2,P1,patient,{name},{birth},9 Works Rd,Springfield,IL,62702,"


def _refused(uow, admin, folder: Path) -> list[str]:  # type: ignore[no-untyped-def]
    with uow() as u:
        before = (len(u.session.exec(Guarantor.__table__.select()).all()),
                  len(u.session.exec(ServiceLine.__table__.select()).all()))
    with uow() as u, pytest.raises(BadInput) as caught:
        import_folder(u, admin, folder, TODAY)
    with uow() as u:
        after = (len(u.session.exec(Guarantor.__table__.select()).all()),
                 len(u.session.exec(ServiceLine.__table__.select()).all()))
    assert after == before
    return caught.value.problems


@pytest.mark.parametrize("amount", ["$12.00", "\u0661\u0662.\u0660\u0660", "\uff11\uff12.00", "\u00a012.00",
                                    "12.00\u00a0", "USD 12", "12.00-", "+12.00", "1.2e1"])
def test_amounts_are_ascii_digits_only(uow, admin, tmp_path: Path, amount: str) -> None:
    folder = write_folder(tmp_path / "in", with_row("service_lines.csv", 1,
                                                    LINE.format(amount=f'"{amount}"', posted="2026-01-12")))
    problems = _refused(uow, admin, folder)
    assert problems[0].startswith("service_lines.csv:3: amount: not an amount"), problems
    assert amount.strip() not in " ".join(problems)


@pytest.mark.parametrize(("posted", "reason"), [
    ("9999-12-31", f"posted_date: more than {FUTURE_DAYS} days after the business date"),
    ("1899-12-31", "posted_date: before 1900-01-01"),
])
def test_posted_dates_lie_within_a_year_after_the_business_date(uow, admin, tmp_path: Path,
                                                                posted: str, reason: str) -> None:
    row = LINE.format(amount="250.00", posted=posted)
    folder = write_folder(tmp_path / "in", with_row("service_lines.csv", 1, row))
    assert _refused(uow, admin, folder)[0] == f"service_lines.csv:3: {reason}; check the year"


def test_a_date_up_to_the_window_is_accepted(uow, admin, tmp_path: Path) -> None:
    last = (TODAY + dt.timedelta(days=FUTURE_DAYS)).isoformat()
    folder = write_folder(tmp_path / "in", with_row("service_lines.csv", 1, LINE.format(amount="250.00", posted=last)))
    with uow() as u:
        assert import_folder(u, admin, folder, TODAY).as_dict()


@pytest.mark.parametrize(("birth", "reason"), [
    ((TODAY + dt.timedelta(days=1)).isoformat(), "after the business date; it cannot be in the future"),
    ("1850-01-01", "before 1900-01-01; check the year"),
])
def test_birth_dates_are_not_in_the_future_nor_before_1900(uow, admin, tmp_path: Path, birth: str, reason: str) -> None:
    folder = write_folder(tmp_path / "in", with_row("guarantors.csv", 1, PATIENT.format(name="Bo Peep", birth=birth)))
    problems = _refused(uow, admin, folder)
    assert problems[0] == f"guarantors.csv:3: birth_date: {reason}"
    assert birth not in problems[0] and "Bo Peep" not in problems[0]


@pytest.mark.parametrize("bad", ["\x00", "\x1b[2J", "\t", "\x7f", "\x85", "\r"])
def test_nul_and_control_characters_are_refused_on_both_databases(uow, admin, tmp_path: Path, bad: str) -> None:
    name = f"Ada{bad}Quinn"
    folder = write_folder(tmp_path / "in", with_row("guarantors.csv", 1, PATIENT.format(name=f'"{name}"', birth="")))
    problems = _refused(uow, admin, folder)
    assert problems[0].startswith("guarantors.csv:3: name: holds a control character"), problems
    assert "Ada" not in " ".join(problems) and "Quinn" not in " ".join(problems)


def test_bad_cells_are_never_repeated_on_the_command_line(cli, admin, tmp_path: Path) -> None:
    files = with_row("guarantors.csv", 0, "G1,P1,patient,Ada Lovelace,10/12/1980,1 Main St,Springfield,IL,62701,N")
    files["encounters.csv"][1] = "E2,P1,G2,Bob Worker,2026-02-03,,many,"
    code, out, err = cli("import", str(write_folder(tmp_path / "in", files)))
    assert code == 2 and "Traceback" not in out + err
    assert "guarantors.csv:2: birth_date: not a date (write it as YYYY-MM-DD)" in err
    assert "encounters.csv:3: dunning_count: not a whole number" in err
    for secret in ("10/12/1980", "Ada", "Lovelace", "many", "Bob"):
        assert secret not in err + out


def test_a_folder_named_like_an_import_file_is_not_skipped(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", {k: v for k, v in GOOD.items() if k != "statements.csv"})
    (folder / "statements.csv").mkdir()
    with uow() as u, pytest.raises(BadInput) as caught:
        import_folder(u, admin, folder, TODAY)
    assert caught.value.message.startswith("statements.csv: is a folder")
