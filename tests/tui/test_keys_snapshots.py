"""80x24 snapshots of what the type-ahead / 80x24 / no-colour issue changed: the Set Action
choice and the list cursor marked with `>` in a NO_COLOR terminal, the grouped F1 help, the
Discard question, the practice chooser of Ctrl+O and a form scrolled to its focused field.

Update them after an intended change with `pytest tests/tui/test_keys_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.test_snapshots import SIZE, _run


def _open(screen_id: str) -> Any:
    return lambda app: app.open_screen(screen_id)


def test_set_action_no_color_marks_in_text(snap_compare, make_app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(_open("precollections"), ("a",), ("f2",), ("down", "down", "t", "down")))


def test_precollections_list_no_color_cursor(snap_compare, make_app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(_open("precollections"), ("a",), ("f2",), ("down", "down", "space")))


def test_filter_form_no_color_focused_field(snap_compare, make_app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(_open("precollections"), ("f", "tab", "tab")))


def test_f1_grouped_help(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(_open("precollections"), ("f1",)))


def test_discard_changes_question(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(_open("precollections"), ("f", "1", "2"), ("escape",)))


def test_ctrl_o_practice_chooser(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(_open("holds"), ("ctrl+o",)))


def test_settings_form_scrolled_to_the_focused_field(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    def last_field(app: Any) -> None:
        from textual.widgets import Input
        list(app.screen.query(Input))[-1].focus()
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(_open("integration"), last_field))
