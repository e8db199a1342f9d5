"""How the command line reads its flags: one-line usage errors and numbers checked at the edge.

argparse on its own prints the whole usage block and then `error: argument --age-min: invalid int
value`, and lets any int through, however big, to overflow later in the database. Here a mistake
is one line naming the flag ("recoup precollections add: --age-min: must be a whole number of days
from 0 to 36500"), every number flag has the range of core.limits, and every amount flag the
range of core.money, so nothing out of range reaches a use case.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from core.errors import BadInput
from core.limits import Limit


class UsageError(Exception):
    """A flag argparse could not take; main() reports it like any other bad input (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes are one line (`--help` still shows the usage)."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("recoup").strip()  # "precollections add"; "" at the top
        said = message.removeprefix("argument ")
        raise UsageError(f"{where}: {said}" if where else said)


def whole(limit: Limit) -> Callable[[str], int]:
    """An argparse type: a whole number within `limit`, else the limit's sentence."""
    def read(text: str) -> int:
        try:
            return limit.parse(text, "")
        except BadInput as exc:
            raise argparse.ArgumentTypeError(exc.reason or exc.message) from None
    read.__name__ = "whole number"
    return read


def amount(text: str) -> str:
    """An argparse type: an amount core.money reads (or blank, which some flags take as "clear").

    The text is kept, so the commands read it with their own blank/none rules; it is checked here
    so a wrong or out-of-range amount is refused naming the flag before anything is opened.
    """
    from core import money
    try:
        money.parse_optional(text)
    except money.AmountError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def percent(text: str) -> str:
    """An argparse type: a percentage from 0 to 100 as core.money reads it (the text is kept)."""
    from core import money
    from core.errors import BadInput
    try:
        money.parse_percent(text, allow_zero=True)
    except BadInput as exc:
        raise argparse.ArgumentTypeError("must be a percentage from 0 to 100, like 10 or 12.5") from exc
    return text


def number_list(limit: Limit) -> Callable[[str], list[int]]:
    """An argparse type: numbers separated by commas ("7,12,30"), each within `limit`."""
    def read(text: str) -> list[int]:
        parts = [part for part in text.split(",") if part.strip()]
        if not parts:
            raise argparse.ArgumentTypeError("give numbers separated by commas, like 7,12,30")
        try:
            return [limit.parse(part, "") for part in parts]
        except BadInput as exc:
            raise argparse.ArgumentTypeError(
                f"give numbers separated by commas, like 7,12,30; each {exc.reason}") from None
    read.__name__ = "number list"
    return read
