"""Writing import folders for tests and benchmarks: small CSV files built from plain rows."""

from __future__ import annotations

from pathlib import Path

HEADERS = {
    "practices.csv": "practice_id,name",
    "guarantors.csv": "guarantor_id,practice_id,kind,name,birth_date,address1,city,state,zip,returned_mail",
    "encounters.csv": "encounter_id,practice_id,guarantor_id,patient_name,dos,case_id,dunning_count,statements_sent",
    "service_lines.csv": "line_id,encounter_id,dos,procedure_code,amount,posted_date,responsibility,"
                         "responsibility_date",
    "transactions.csv": "transaction_id,guarantor_id,line_id,date,kind,source,amount,adjustment_code",
    "statements.csv": "statement_id,guarantor_id,encounter_id,date,dunning_level",
}

# A small, complete export: two practices, three guarantors (one employer), three encounters,
# four lines (one insurance), a payment, an unapplied payment (escrow), an adjustment, statements.
GOOD = {
    "practices.csv": ["P1,North Clinic", "P2,South Clinic"],
    "guarantors.csv": [
        "G1,P1,patient,Ada Lovelace,1980-12-10,1 Main St,Springfield,IL,62701,N",
        "G2,P1,employer,Acme Corp,,9 Works Rd,Springfield,IL,62702,",
        "G3,P2,patient,Grace Hopper,1956-12-09,,,,,Y",
    ],
    "encounters.csv": [
        "E1,P1,G1,Ada Lovelace,2026-01-10,C-1,0,1",
        "E2,P1,G2,Bob Worker,2026-02-03,,,",
        "E3,P2,G3,Grace Hopper,2026-03-15,C-9,2,2",
    ],
    "service_lines.csv": [
        "L1,E1,2026-01-10,99213,100.00,2026-01-12,guarantor,2026-01-12",
        "L2,E1,,80053,250.00,2026-01-12,insurance,",
        "L3,E2,2026-02-03,99203,80,2026-02-05,guarantor,",
        'L4,E3,2026-03-15,99215,"1,200.00",2026-03-16,guarantor,2026-03-16',
    ],
    "transactions.csv": [
        "T1,G1,L1,2026-02-01,payment,patient,30.00,",
        "T2,G1,,2026-02-02,payment,patient,15.00,",
        "T3,G1,L2,2026-02-03,adjustment,insurance,50.00,CO45",
        "T4,G3,L4,2026-04-01,payment,patient,200.00,",
    ],
    "statements.csv": ["S1,G1,E1,2026-02-01,1", "S2,G3,,2026-04-02,"],
}


def write_csv(folder: Path, name: str, rows: list[str], header: str | None = None,
              encoding: str = "utf-8") -> Path:
    """One CSV file: the header (the standard one unless given) and the rows, CRLF like Excel."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = "\r\n".join([HEADERS[name] if header is None else header, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_folder(folder: Path, files: dict[str, list[str]] | None = None) -> Path:
    """A folder holding the given files (the GOOD export by default)."""
    for name, rows in (GOOD if files is None else files).items():
        write_csv(folder, name, rows)
    return folder


def with_row(name: str, index: int, row: str) -> dict[str, list[str]]:
    """The GOOD export with one row of one file replaced (index = len appends): the row's
    physical line number is index + 2."""
    files = {k: list(v) for k, v in GOOD.items()}
    if index == len(files[name]):
        files[name].append(row)
    else:
        files[name][index] = row
    return files
