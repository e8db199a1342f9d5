"""The `recoup` command line: every use case as a subcommand, for scripts, cron and support staff.

Exit status: 0 done, 1 verify found problems (or an unexpected error), 2 bad input,
3 needs confirmation (re-run with --yes), 4 refused, 5 conflict (someone else changed it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui.commands.context import GLOBAL_OPTIONS, run_command

EXIT_CODES = """exit status:
  0  done
  1  verify found a problem, or an unexpected error
  2  bad input (the message names the field, or file:line)
  3  needs confirmation: the validation warning is printed; run again with --yes
  4  refused (role, state, unknown operator)
  5  conflict: someone else changed the record; reload and try again"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recoup", parents=[GLOBAL_OPTIONS(suppress=False)],
        description="Recoup: collections for medical practices. With no command, opens the application.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-mouse", action="store_true", default=argparse.SUPPRESS,
                        help="open the application with the mouse turned off")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from tui.commands import command_modules
    for module in command_modules():
        module.register(sub)
    return parser


def _app_only(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The arguments when `recoup` is run with global options only (open the application).

    Opening the app must paint fast, so this path neither imports every command module nor
    builds every subcommand's parser; anything else (a command, --help) gets the full parser.
    """
    parser = argparse.ArgumentParser(add_help=False, parents=[GLOBAL_OPTIONS(suppress=False)],
                                     exit_on_error=False)
    parser.add_argument("--no-mouse", action="store_true")
    try:
        args, rest = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None  # the full parser reports the mistake
    return None if rest else args


def main(argv: Sequence[str] | None = None) -> int:
    app_args = _app_only(argv)
    if app_args is not None:
        from tui.commands.app import open_app
        return run_command(app_args, open_app)
    args = build_parser().parse_args(argv)
    if getattr(args, "command", None) is None:
        from tui.commands.app import open_app
        return run_command(args, open_app)
    return run_command(args, args.handler)


if __name__ == "__main__":
    sys.exit(main())
