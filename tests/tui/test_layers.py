"""Screens and widgets reach the database only through core and the Services they are handed;
and the application paints before the ORM is imported."""

from __future__ import annotations


from tests.test_architecture import _offenders


def test_screens_and_widgets_import_no_database_layer() -> None:
    for package in ("tui/screens", "tui/widgets"):
        assert _offenders(package, ("db", "sqlalchemy", "sqlmodel", "psycopg")) == []
