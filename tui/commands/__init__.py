"""One module per area of the command line; each has `register(subparsers)`."""

from tui.commands import app, audit, dashboard, imports, precollections, roster, system, users
from tui.commands import agencies, external, nightly
from tui.commands import serve, worker

COMMAND_MODULES = [system, users, audit, imports, precollections, roster, dashboard, agencies, external, nightly, worker, serve, app]
