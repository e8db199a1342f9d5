"""Small helpers for driving the app in Pilot tests."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from textual.worker import WorkerCancelled


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(rounds):
        # A worker the app cancelled itself (Esc in Ctrl+P stops the palette's search) ends the wait
        # early with WorkerCancelled: the next round waits for the rest.
        with suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def text_of(widget: Any) -> str:
    return str(widget.render())
