"""The keyboard contract: Alt twins and fallbacks, user overrides, F1 lists every binding."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from core.errors import Summary, SummaryLine
from tests.tui.helpers import settle
from tui import keys
from tui.screens.help import HelpScreen, help_key, is_ours
from tui.screens.registry import SCREENS
from tui.widgets.warning import ValidationWarning


def test_every_alt_binding_has_its_alt_shift_twin_and_a_plain_fallback() -> None:
    alt_actions = [a for a in keys.KEYMAP.values() if "alt+" in a.all_keys]
    assert {a.id for a in alt_actions} >= {"table.add", "table.update", "table.remove"}
    for a in alt_actions:
        listed = a.all_keys.split(",")
        for key in (k for k in listed if k.startswith("alt+") and not k.startswith("alt+shift+")):
            assert f"alt+shift+{key[4:]}" in listed, a.id
        assert a.fallback and not any(k.startswith("alt+") for k in a.fallback.split(",")), a.id
        display = keys.key_display(a.all_keys)
        assert display.startswith("A-") and "/" in display, display   # footer shows both


def test_fallbacks_of_the_admin_keys_are_insert_enter_delete() -> None:
    assert [keys.KEYMAP[i].fallback for i in ("table.add", "table.update", "table.remove")] == [
        "insert", "enter", "delete"]
    assert keys.KEYMAP["screen.save"].keys == "f2"
    assert set(keys.KEYMAP["screen.cancel"].all_keys.split(",")) == {"escape", "f12"}


def test_overrides_come_from_the_file_named_by_recoup_keys(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\n"guarantors.sort" = "o, f6"\n')
    monkeypatch.setenv("RECOUP_KEYS", str(path))
    assert keys.load_overrides() == {"guarantors.sort": "o,f6"}
    path.write_text('[keys]\n"no.such.action" = "o"\n')
    with pytest.raises(ValueError, match=r"no.such.action"):
        keys.load_overrides()


class AdminTableScreen(Screen[None]):
    """What a later admin table screen declares: the three Alt actions from the keymap."""
    BINDINGS = keys.bindings(("table.add", "did('add')"), ("table.update", "did('update')"),
                             ("table.remove", "did('remove')"))

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []

    def compose(self) -> ComposeResult:
        yield Footer()

    def action_did(self, what: str) -> None:
        self.done.append(what)


class AdminApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(AdminTableScreen())


async def test_alt_keys_their_twins_and_fallbacks_all_work_and_show_in_the_footer() -> None:
    app = AdminApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("alt+d", "alt+shift+d", "insert", "alt+u", "alt+shift+u", "enter",
                          "alt+r", "alt+shift+r", "delete")
        assert app.screen.done == ["add"] * 3 + ["update"] * 3 + ["remove"] * 3
        footer = " ".join(str(k.render()) for k in app.screen.query("FooterKey"))
        for shown in ("A-d/Ins", "A-u/Enter", "A-r/Del", "Add", "Update", "Remove"):
            assert shown in footer


def _with_keys(make_app, monkeypatch, tmp_path, toml: str):  # type: ignore[no-untyped-def]
    """The app as started with this keys.toml."""
    path = tmp_path / "keys.toml"
    path.write_text(toml)
    monkeypatch.setenv("RECOUP_KEYS", str(path))
    return make_app(key_overrides=keys.load_overrides())


async def test_user_override_remaps_a_key(make_app, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = _with_keys(make_app, monkeypatch, tmp_path, '[keys]\n"guarantors.sort" = "o"\n')
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_screen("guarantors")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.sort == "id"
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.sort == "id"      # the old key no longer sorts


async def test_remapped_quit_key_replaces_ctrl_q(make_app, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = _with_keys(make_app, monkeypatch, tmp_path, '[keys]\n"app.quit" = "ctrl+x"\n')
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running                  # Textual's own Ctrl+Q is gone with the remapping
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert "ctrl+x" in " ".join(str(n.message) for n in app._notifications)
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert not app.is_running


async def _help_lists_every_binding(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    screen = app.screen
    expected = {k for k, a in screen.active_bindings.items() if is_ours(a.binding)}
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    listed = {k for e in app.screen.entries for k in e.keys}
    assert expected <= listed, expected - listed
    text = app.screen.text()
    for key in expected:
        assert help_key(key) in text, key
    await pilot.press("escape")
    assert app.screen is screen


BUILT = [s.id for s in SCREENS if s.built]
GROUPS = 4  # the screens in groups, so that the test workers share them (each group opens one app)


@pytest.mark.slow
@pytest.mark.parametrize("group", range(GROUPS))
async def test_f1_lists_every_binding_of_every_screen(make_app, built, group: int) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        if group == 0:
            await _help_lists_every_binding(pilot)                   # main menu
        for screen_id in BUILT[group::GROUPS]:
            app.open_screen(screen_id)
            await settle(pilot)
            await _help_lists_every_binding(pilot)
            await pilot.press("f10")
        if group == 1:
            for screen_id, kw in (("guarantor", {"guarantor_id": built.ada_id}),
                                  ("encounter", {"encounter_id": built.ada_encounter_ids[0]})):
                app.open_screen(screen_id, **kw)
                await settle(pilot)
                await _help_lists_every_binding(pilot)
                await pilot.press("f10")
        if group == 2:
            app.open_screen("guarantors")
            await settle(pilot)
            await pilot.press("f")                                    # the filter dialog
            await pilot.pause()
            await _help_lists_every_binding(pilot)
        if group == 3:
            app.push_screen(ValidationWarning(Summary("t", [SummaryLine(1, 100, "x")])))
            await pilot.pause()
            await _help_lists_every_binding(pilot)
