"""The shell's keyboard contract after a user's keys.toml, and what Ctrl+P lists.

A remapped key must show where the operator looks for it: the footer, the F1 help, the menu's hint
line; and the palette lists Recoup's screens and commands, not Textual's own.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList, CommandPalette

from tests.tui.helpers import settle
from tui import keys
from tui.screens.guarantors import GuarantorsScreen
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.registry import SCREENS

OVERRIDES = ('[keys]\n"app.find" = "f4"\n"app.palette" = "f11"\n"guarantors.sort" = "o"\n'
             '"app.help" = "f1,question_mark"\n')


def _footer(app: Any) -> dict[str, str]:
    """Footer label -> the key shown for it."""
    return {str(k.description): str(k.key_display) for k in app.screen.query("FooterKey")}


async def _help_text(pilot: Any) -> str:
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)
    text = pilot.app.screen.text()
    await pilot.press("escape")
    await pilot.pause()
    return text


async def test_remapped_keys_show_in_the_footer_the_help_and_the_hint(make_app, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys.toml"
    path.write_text(OVERRIDES)
    monkeypatch.setenv("RECOUP_KEYS", str(path))
    app = make_app(key_overrides=keys.load_overrides())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = _footer(app)
        assert footer["Find"] == "F4" and footer["palette"] == "F11" and footer["Help"] == "F1"
        hint = str(app.screen.query_one("#status").render())
        assert "F11 opens any screen by name" in hint and "F1 lists every key" in hint
        text = await _help_text(pilot)
        assert "F4 Find" in text and "F11 palette" in text and "F1 / ? Help" in text
        assert not [line for line in text.splitlines() if line.startswith(("Ctrl+F ", "Ctrl+P "))]

        await pilot.press("ctrl+p")                 # the old palette key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f11")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()

        app.open_screen("guarantors")
        await settle(pilot)
        assert _footer(app)["Sort"] == "o"
        assert "\no Sort" in await _help_text(pilot)  # as the footer writes it
        await pilot.press("f4")                     # the remapped Find opens Find
        await settle(pilot)
        assert type(app.screen).__name__ == "FindScreen"


async def test_without_a_keys_file_the_footer_shows_the_keymap_defaults(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = _footer(app)
        assert footer["Find"] == "^f" and footer["palette"] == "^p" and footer["Practice"] == "^o"
        assert "Ctrl+P opens any screen by name" in str(app.screen.query_one("#status").render())


async def _palette_prompts(pilot: Any, query: str = "") -> list[str]:
    await pilot.press("ctrl+p")
    await pilot.pause()
    if query:
        await pilot.press(*query)
    await pilot.pause(0.3)
    listing = pilot.app.screen.query_one(CommandList)
    return [str(listing.get_option_at_index(i).prompt).split("\n")[0]
            for i in range(listing.option_count)]


@pytest.mark.slow
async def test_palette_lists_recoup_screens_and_commands_not_textuals(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        prompts = await _palette_prompts(pilot)
        for entry in SCREENS:
            assert (entry.title if entry.built else f"{entry.title} (coming)") in prompts, entry.title
        assert {"Keys", "Main menu", "Quit"} <= set(prompts)
        for textuals in ("Theme", "Screenshot", "Maximize", "Minimize"):
            assert textuals not in prompts
        await pilot.press("escape")
        await pilot.pause()

        app.open_screen("guarantors")
        await settle(pilot)
        await _palette_prompts(pilot, "Keys")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)          # Keys is the F1 help of the screen below
        await pilot.press("escape")
        await pilot.pause()
        await _palette_prompts(pilot, "Main menu")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert not isinstance(app.screen, GuarantorsScreen)
