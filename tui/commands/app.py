"""Opening the application (no subcommand)."""

from __future__ import annotations

from typing import Any

from tui.commands.context import Context


def register(sub: Any) -> None:
    """The application has no subcommand of its own: `recoup` alone opens it."""


def open_app(ctx: Context) -> int:
    from tui.app import run_app
    return run_app(ctx)
