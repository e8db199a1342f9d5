"""What the CSV import (SPEC 11) remembers between imports.

One row per import file name: the checksum of the bytes last imported under that name, how many
rows they held, and the state of the imported tables that import left (core.imports.unchanged).
When a folder comes again with a file of the same bytes and nothing has changed those tables
since, the file is not read again: its rows are known to be in the database as the file says.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from core.models.base import pk


class ImportFile(SQLModel, table=True):
    __tablename__ = "import_file"
    id: int | None = pk()
    name: str = Field(max_length=40, unique=True)  # practices.csv, guarantors.csv, ...
    sha256: str = Field(max_length=64)
    rows: int = 0
    state: str = Field(max_length=400)  # core.imports.unchanged.state() after that import
    business_date: dt.date
    created_at: dt.datetime
    operator: str = Field(max_length=64)
