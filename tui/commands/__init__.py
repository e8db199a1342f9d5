"""One module per area of the command line; each has `register(subparsers)`."""

from tui.commands import app, audit, imports, system, users

COMMAND_MODULES = [system, users, audit, imports, app]
