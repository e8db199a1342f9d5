"""SPEC 11 and 14: the import reads the protected-guarantor columns and the insurance status,
refuses bad values by file:line and changes nothing, and a re-import keeps what it read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.errors import BadInput
from core.imports import import_folder
from core.models import Encounter, Guarantor
from tests.conftest import TODAY
from tests.import_files import GOOD, write_csv, write_folder
from tests.test_imports import by_sid

G_HEADER = ("guarantor_id,practice_id,kind,name,birth_date,date_of_death,responsible_party_name,"
            "responsible_party_address,bankruptcy_filed,bankruptcy_chapter,bankruptcy_case,household_income,"
            "household_size")
E_HEADER = "encounter_id,practice_id,guarantor_id,patient_name,dos,insurance_status"


def folder_with(tmp: Path, guarantors: list[str], encounters: list[str] | None = None) -> Path:
    folder = write_folder(tmp, {k: v for k, v in GOOD.items() if k not in ("guarantors.csv", "encounters.csv")})
    write_csv(folder, "guarantors.csv", guarantors, header=G_HEADER)
    write_csv(folder, "encounters.csv", encounters or [
        "E1,P1,G1,Ada Lovelace,2026-01-10,open", "E2,P1,G2,Bob Worker,2026-02-03,",
        "E3,P2,G3,Grace Hopper,2026-03-15,appeal"], header=E_HEADER)
    return folder


GUARANTORS = [
    "G1,P1,patient,Ada Lovelace,2012-12-10,,Augusta King,1 Main St Springfield IL,,,,,",
    "G2,P1,employer,Acme Corp,,,,,2026-05-01,11,26-bk-1234,,",
    "G3,P2,patient,Grace Hopper,1956-12-09,2026-06-01,,,,,,\"21,000.00\",3",
]


def test_protections_and_insurance_status_are_imported(uow, admin, tmp_path) -> None:
    folder = folder_with(tmp_path, GUARANTORS)
    with uow() as u:
        import_folder(u, admin, folder, TODAY)
    ada, acme, grace = (by_sid(uow, Guarantor, s) for s in ("G1", "G2", "G3"))
    assert (ada.responsible_party_name, ada.responsible_party_address) == ("Augusta King", "1 Main St Springfield IL")
    assert (acme.bankruptcy_filed, acme.bankruptcy_chapter, acme.bankruptcy_case) == (
        dt.date(2026, 5, 1), "11", "26-bk-1234")
    assert (grace.date_of_death, grace.household_income_cents, grace.household_size) == (
        dt.date(2026, 6, 1), 2_100_000, 3)
    assert [by_sid(uow, Encounter, e).insurance_status for e in ("E1", "E2", "E3")] == ["open", None, "appeal"]
    with uow() as u:  # the same files again change nothing
        import_folder(u, admin, folder, TODAY)
    assert by_sid(uow, Guarantor, "G3").household_income_cents == 2_100_000


@pytest.mark.parametrize("row,where", [
    ("G3,P2,patient,Grace Hopper,,2026-02-30,,,,,,,", "guarantors.csv:4: date_of_death"),
    ("G3,P2,patient,Grace Hopper,,,,,,9,,,", "guarantors.csv:4: bankruptcy_chapter"),
    ("G3,P2,patient,Grace Hopper,,,,,,,,-5.00,", "guarantors.csv:4: household_income"),
    ("G3,P2,patient,Grace Hopper,,,,,,,,,0", "guarantors.csv:4: household_size"),
])
def test_bad_protection_values_are_refused_by_file_and_line(uow, admin, tmp_path, row, where) -> None:
    folder = folder_with(tmp_path, [*GUARANTORS[:2], row])
    with uow() as u, pytest.raises(BadInput) as caught:
        import_folder(u, admin, folder, TODAY)
    assert any(p.startswith(where) for p in caught.value.problems), caught.value.problems


def test_an_unknown_insurance_status_is_refused(uow, admin, tmp_path) -> None:
    folder = folder_with(tmp_path, GUARANTORS, ["E1,P1,G1,Ada Lovelace,2026-01-10,pending"])
    with uow() as u, pytest.raises(BadInput, match=r"encounters\.csv:2: insurance_status"):
        import_folder(u, admin, folder, TODAY)
