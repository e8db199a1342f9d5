"""Screens and widgets reach the database only through core and the Services they are handed;
and the application paints before the ORM is imported."""

from __future__ import annotations

import subprocess
import sys

from tests.test_architecture import _offenders


def test_screens_and_widgets_import_no_database_layer() -> None:
    for package in ("tui/screens", "tui/widgets"):
        assert _offenders(package, ("db", "sqlalchemy", "sqlmodel", "psycopg")) == []


def test_the_app_and_the_command_line_load_without_the_orm() -> None:
    code = ("import sys, tui.cli, tui.app; "
            "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'db.engine', 'xlsxwriter') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
