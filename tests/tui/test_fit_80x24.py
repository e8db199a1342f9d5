"""Every screen at 80x24: the footer fits (F1 first, no key cut), nothing hangs off the edge."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from tests.tui.helpers import settle
from tui.screens.registry import BY_ID
from tui.widgets.footer import FitFooter

SCREENS = [i for i, e in BY_ID.items() if e.built]


def footer_keys(app: Any) -> list[FooterKey]:
    return list(app.screen.query_one(FitFooter).query(FooterKey))


async def check_footer(app: Any, pilot: Any) -> None:
    keys = footer_keys(app)
    assert keys, f"{app.screen}: empty footer"
    assert keys[0].key_display == "F1", f"{app.screen}: F1 is not first"
    for key in keys:
        region = key.region
        assert region.width > 0 and region.right <= 80, f"{app.screen}: {key.key_display} {key.description} cut"
    assert sum(k.region.width for k in keys) <= 80


@pytest.mark.parametrize("screen_id", SCREENS)
async def test_footer_fits_80_columns(make_app, built, screen_id: str) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen(screen_id)
        await settle(pilot)
        await check_footer(app, pilot)


@pytest.mark.parametrize("kind", ["guarantor", "encounter"])
async def test_dashboard_footers_fit(make_app, built, kind: str) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if kind == "guarantor":
            app.open_screen("guarantor", guarantor_id=built.ada_id)
        else:
            app.open_screen("encounter", encounter_id=built.ada_encounter_ids[0])
        await settle(pilot)
        await check_footer(app, pilot)
        shown = [k.key_display for k in footer_keys(app)]
        assert shown[:2] == ["F1", "Esc"]  # help, then this screen's own keys


async def test_main_menu_footer_fits(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await check_footer(app, pilot)
