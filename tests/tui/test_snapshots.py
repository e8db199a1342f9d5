"""What the operator sees, at 80x24, compared with the stored SVG snapshots.

Update them after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from core.errors import Summary, SummaryLine
from tests.tui.helpers import settle
from tui.widgets.warning import ValidationWarning

SIZE = (80, 24)


def _steady(pilot: Any) -> None:
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


def _run(*steps: Any):  # type: ignore[no-untyped-def]
    """A run_before that performs steps (callables on the app, or key tuples), settling between."""
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        for step in steps:
            if isinstance(step, tuple):
                await pilot.press(*step)
            else:
                step(pilot.app)
            await settle(pilot)
        _steady(pilot)
        await pilot.pause()
    return run_before


def test_main_menu(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run())


def test_guarantor_list(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("guarantors"), ("down", "space", "down")))


def test_guarantor_list_filter_with_a_bad_amount(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("guarantors"), ("f", "tab", *"12,50", "f2")))


def test_guarantor_dashboard(snap_compare, make_app, built) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("guarantor", guarantor_id=built.ada_id)))


def test_guarantor_dashboard_collections_tab(snap_compare, make_app, built) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("guarantor", guarantor_id=built.ada_id), ("4",)))


def test_encounter_dashboard(snap_compare, make_app, built) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(
        lambda app: app.open_screen("encounter", encounter_id=built.ada_encounter_ids[1])))


def test_find(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(("ctrl+f",), tuple("lovelace")))


def test_help_on_the_guarantor_list(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("guarantors"), ("f1",)))


def test_validation_warning(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    summary = Summary("Apply actions", [SummaryLine(12, 431000, "will be sent to Collections"),
                                        SummaryLine(3, 12050, "will be written off")],
                      ["Sent items cannot be un-sent."])
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.push_screen(ValidationWarning(summary))))
