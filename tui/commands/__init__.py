"""One module per area of the command line; each has `register(subparsers)`.

The modules are imported only when the full parser is built: `recoup` with no command opens the
application, and importing every command first would delay its first paint.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMAND_NAMES = ["system", "users", "audit", "imports", "precollections", "roster", "holds", "protections",
                 "explain", "runs", "dashboard", "agencies", "external", "nightly", "worker", "serve", "app"]


def command_modules() -> list[ModuleType]:
    return [importlib.import_module(f"tui.commands.{name}") for name in COMMAND_NAMES]
