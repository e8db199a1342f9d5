"""The `recoup` command line: every use case as a subcommand, for scripts, cron and support staff.

Exit status: 0 done, 1 verify found problems (or an unexpected error), 2 bad input,
3 needs confirmation (re-run with --yes), 4 refused, 5 conflict (someone else changed it),
141 the reader of our output went away (`| head -1`). An error is one line on stderr naming the
flag, or with --json {"error": ...} on stdout; never a traceback (RECOUP_DEBUG=1 shows one).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_CODES = """exit status:
  0  done
  1  verify found a problem, or an unexpected error
  2  bad input (the message names the field, or file:line)
  3  needs confirmation: the validation warning is printed; run again with --yes
  4  refused (role, state, unknown operator)
  5  conflict: someone else changed the record; reload and try again
  141  the reader of the output went away (recoup ... | head -1)"""


def build_parser() -> argparse.ArgumentParser:
    from tui.commands.context import GLOBAL_OPTIONS
    from tui.commands.options import OneLineParser
    parser = OneLineParser(
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


# `recoup` with global options only opens the application. That path must paint fast, so it
# parses with this small parser and leaves the command-line layer (tui.commands.context: Context,
# run_command, the error classes) to the connect worker, after the first paint. Anything else,
# or anything this parser does not take cleanly, goes to the full parser, which reports mistakes.
APP_VALUE_OPTIONS = ("--db", "--as-of", "--operator")   # the value options of GLOBAL_OPTIONS
APP_FLAGS = ("--json", "--no-mouse")                     # its flag, and the app's own


def _app_only(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The arguments when `recoup` is run with global options only, else None.

    tests/tui/test_startup_path.py keeps these option names equal to GLOBAL_OPTIONS'.
    """
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False, allow_abbrev=False)
    for option in APP_VALUE_OPTIONS:
        parser.add_argument(option)
    for flag in APP_FLAGS:
        parser.add_argument(flag, action="store_true")
    try:
        args, rest = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    if rest or not _is_date_or_blank(args.as_of):
        return None  # a command, or a bad date: the full path says what is wrong
    return args


def _is_date_or_blank(text: str | None) -> bool:
    import datetime as dt
    if text is None or not text.strip():
        return True
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    app_args = _app_only(argv)
    if app_args is not None:
        from tui.app import run_app_for_args
        return run_app_for_args(app_args)
    from tui.commands.context import flag_map, report_error, run_command
    from tui.commands.options import UsageError
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(words)
    except UsageError as exc:  # one line naming the flag, exit 2 (BadInput's status)
        report_error(exc.message, "--json" in words)
        return 2
    handler = args.handler if getattr(args, "command", None) is not None else _open_app()
    return _quiet_on_broken_pipe(lambda: run_command(args, handler, flag_map(parser, args)))


def _open_app() -> Any:
    from tui.commands.app import open_app
    return open_app


# The status of a command killed by SIGPIPE (128 + 13), as `yes | head -1` reports it under pipefail.
BROKEN_PIPE = 141


def _quiet_on_broken_pipe(run: Callable[[], int]) -> int:
    """`recoup ... | head -1`: when the reader goes away, stop quietly. stdout is pointed at
    /dev/null so the interpreter's own flush at exit does not print a BrokenPipeError either."""
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
