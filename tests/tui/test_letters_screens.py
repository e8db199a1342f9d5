"""Practice Profile and Print Collection Letters as an operator uses them: real keys at 80x24."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.widgets import Static

from core import practices, roster
from tests.tui.data import AS_OF
from tests.tui.helpers import settle, text_of
from tests.tui.test_roster_screens import core, messages, read, type_into
from tui.screens.practice_profile import PracticeProfileScreen
from tui.widgets.warning import ValidationWarning


async def test_practice_profile_saves_and_names_a_bad_field(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("practice_profile")
        await settle(pilot)
        assert isinstance(app.screen, PracticeProfileScreen)
        await type_into(pilot, "field-address1", "1 Clinic Way")
        await type_into(pilot, "field-phone", "(309) 555-0100")
        await type_into(pilot, "field-remit_to", "PO Box 9 | Peoria, IL 61601")
        await type_into(pilot, "field-letter_due_days", "400")
        await pilot.press("f2")
        await settle(pilot)
        errors = " ".join(text_of(w) for w in app.screen.query(Static) if "365" in text_of(w))
        assert "from 1 to 365" in errors
        shown = practices.profile(read(services, practices.practice_by_id, built.practice_id))
        assert shown["address1"] is None                                         # nothing saved
        await type_into(pilot, "field-letter_due_days", "21")
        await pilot.press("f2")
        await settle(pilot)
        assert "Practice profile: saved." in messages(app)
    shown = practices.profile(read(services, practices.practice_by_id, built.practice_id))
    assert (shown["address1"], shown["phone"], shown["remit_to"], shown["letter_due_days"]) == \
        ("1 Clinic Way", "(309) 555-0100", "PO Box 9 | Peoria, IL 61601", 21)


async def test_print_letters_shows_what_the_run_will_do(make_app, services, built, tmp_path,
                                                        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Two populates 15 days apart queue letters 1 and 2 for each account: the screen says one
    per account will print and the rest be superseded; F2 F2 prints and says so."""
    monkeypatch.setenv("RECOUP_ROSTER_FILES", str(tmp_path / "roster-files"))
    core(services, roster.populate, built.practice_id, AS_OF - dt.timedelta(days=20))
    core(services, roster.populate, built.practice_id, AS_OF - dt.timedelta(days=5))
    waiting: Any = read(services, roster.list_queue, services.actor, built.practice_id, False)
    accounts = len({r["guarantor"] for r in waiting})
    assert len(waiting) == 2 * accounts
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("print_letters")
        await settle(pilot)
        status = text_of(app.screen.query_one("#letters-status", Static))
        assert f"{len(waiting)} waiting: {accounts} will print (one per account), {accounts} superseded" in status
        assert f"Practice P1 has no address and no phone in its practice profile: {accounts} letter(s) " \
               "would print without them." in status
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning), messages(app)      # no address, no phone: warned
        said = " ".join(text_of(w) for w in app.screen.query(Static))
        assert f"{accounts} letters will print without the practice's address and phone" in said
        assert not (tmp_path / "roster-files").exists()
        await pilot.press("enter")                                             # Save & Continue
        await settle(pilot)
        assert any(m.startswith(f"{len(waiting)} letter(s) considered: {accounts} printed, {accounts} superseded")
                   for m in messages(app)), messages(app)
        assert "No letters are waiting" in text_of(app.screen.query_one("#letters-status", Static))
    assert len(list((tmp_path / "roster-files").glob("letters-*.pdf"))) == 1
