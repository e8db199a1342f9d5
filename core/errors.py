"""The ways a use case says no, and the one way it says "are you sure?".

Each carries a message an operator can read as it is. The command line maps them to exit codes
(2 bad input, 3 needs confirmation, 4 refused, 5 conflict); screens show them in a dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class RecoupError(Exception):
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(RecoupError):
    """Input that cannot be accepted; names the field (or file:line) and the reason.

    `reason` is the message without the field's name in front, so each surface can name the field
    in its own words (a flag on the command line, a label on screen); without it the message is
    shown as it is.
    """
    exit_code = 2

    def __init__(self, message: str, field: str | None = None, problems: list[str] | None = None,
                 reason: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or [message]
        self.reason = reason


class Refused(RecoupError):
    """Not allowed: wrong role, wrong state, unknown operator."""
    exit_code = 4


class Conflict(RecoupError):
    """Somebody else changed the record since it was read; reload and try again."""
    exit_code = 5


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 task", "2 tasks", "1,204 tasks": operators read counts in sentences, and "1 tasks" reads
    as a mistake in the numbers, not only in the grammar."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def agree(n: int, one: str, many: str) -> str:
    """The word that agrees with a count: agree(n, "is", "are") after counted(n, "account")."""
    return one if n == 1 else many


@dataclass(frozen=True)
class SummaryLine:
    """One line of a validation warning: "12 items will be sent to Collections, $4,310.00".

    `text` follows the counted noun; the noun defaults to item/items so every use case reads the
    same way, and names its own thing (account, line, agency) where "item" would be vague.
    """
    count: int
    cents: int | None
    text: str
    noun: str = "item"
    plural: str | None = None

    def describe(self) -> str:
        from core.money import format_display
        words = f"{counted(self.count, self.noun, self.plural)} {self.text}"
        return words if self.cents is None else f"{words}, {format_display(self.cents, symbol=True)}"


@dataclass
class Summary:
    title: str
    lines: list[SummaryLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class NeedsConfirmation(RecoupError):
    """A validation warning: nothing has changed; call again with confirmed=True to go ahead."""
    exit_code = 3

    def __init__(self, summary: Summary) -> None:
        super().__init__(summary.title)
        self.summary = summary
