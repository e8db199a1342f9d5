"""`recoup` alone opens the application without loading the command-line layer before the first
paint; anything else still goes through the full parser and its messages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui import cli
from tui.commands.context import GLOBAL_OPTIONS


def test_the_fast_parser_knows_exactly_the_global_options() -> None:
    parser = GLOBAL_OPTIONS(suppress=False)
    values = {o for a in parser._actions if a.nargs is None and a.option_strings for o in a.option_strings}
    flags = {o for a in parser._actions if a.nargs == 0 for o in a.option_strings}
    assert set(cli.APP_VALUE_OPTIONS) == values
    assert set(cli.APP_FLAGS) == flags | {"--no-mouse"}


@pytest.mark.parametrize("argv", [[], ["--db", "x.db"], ["--as-of", "2026-11-23", "--no-mouse"],
                                  ["--operator", "ann", "--json"], ["--as-of="]])
def test_global_options_alone_take_the_fast_path(argv: list[str]) -> None:
    assert cli._app_only(argv) is not None


@pytest.mark.parametrize("argv", [["verify"], ["--help"], ["-h"], ["--as-of", "2026-13-01"], ["--db"],
                                  ["--db", "x.db", "demo"], ["--nope"]])
def test_anything_else_takes_the_full_parser(argv: list[str]) -> None:
    assert cli._app_only(argv) is None


def test_a_bad_business_date_is_refused_before_the_application_opens(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["--db", str(tmp_path / "x.db"), "--as-of", "2026-13-01"]) == 2
    assert "as-of" in capsys.readouterr().err


def test_opening_the_app_loads_neither_the_command_layer_nor_the_orm() -> None:
    code = ("import sys, tui.cli, tui.app; assert tui.cli._app_only(['--db', 'x.db']) is not None; "
            "late = ('tui.commands.context', 'core.errors', 'tui.palette', 'sqlalchemy', 'sqlmodel', 'db.engine', "
            "'xlsxwriter', 'textual.widgets._footer'); "
            "print([m for m in late if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
