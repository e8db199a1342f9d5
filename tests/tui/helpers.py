"""Small helpers for driving the app in Pilot tests."""

from __future__ import annotations

from typing import Any


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def text_of(widget: Any) -> str:
    return str(widget.render())
