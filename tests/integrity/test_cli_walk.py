"""Every flag of every subcommand, walked from the argparse parser itself, with values that are out
of range, empty or malformed: exit 2 and exactly one line naming the flag; never a traceback.

The cases are read from `build_parser()`, so an option added tomorrow is walked tomorrow without
editing this file. What a flag takes is read from the parser too: its type (core.limits ranges,
amounts, number lists), its choices, or its metavar (N, DAYS, AMOUNT, P, DATE) for the flags the
subcommand reads itself.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integrity.support import run_cli
from tui.cli import build_parser
from tui.commands.options import amount

# Subcommands that open something long-lived (the application, a web server, a polling worker),
# prompt for a password, or build a whole demo: walked only for flags refused while parsing.
PARSE_ONLY = {("serve",), ("worker",), ("demo",), ("users", "password")}
GLOBAL = ("--as-of",)

# A good value for what a bad flag needs beside it (required options, positionals), so the bad
# value is what the command trips over. Keys are dests; ids are the small demo's.
GOOD = {"practice": "DEMO-FAM", "agency": "CBA", "guarantor": "G0000001", "encounter": "10000001",
        "amount": "10.00", "every_days": "30", "start": "2026-12-01", "tasks": "1", "lines": "10000001-1",
        "base": "15000", "per_person": "5000", "text": "called", "status": "R", "to": "R", "batch": "1",
        "code": "ZZ", "name": "someone", "year": "2026", "hold": "1", "file": "returns.csv", "dir": "import",
        "body_file": "letter.txt", "role": "viewer", "run": "1", "application": "1",
        "switch": "on", "action": "remove", "ACTION": "remove"}

BAD = {  # per kind of flag: values it must refuse with exit 2
    "whole": ["-1", "", "x", "1.5", "1e309", "NaN", "0x10", "99999999999999999999999", "100000000000000000"],
    "numbers": ["", ",", "x", "1,y", "-1", "99999999999999999999", "1.5"],
    "amount": ["x", "1e309", "NaN", "12,50", "1.005", "100000000000000000", "99999999999999999999999",
               "-99999999999999999999999", "1,000,000,000.00"],
    "percent": ["x", "-1", "101", "1e309", "100000000000", "12.345"],
    "date": ["2026-13-01", "2026-02-30", "x", "99999-01-01"],
}
# --db has tests of its own (test_db_problems_are_one_line); --operator names a person; folders
# and files are the path-trick tests' (test_bad_input.py).
SKIPPED = {"help", "db", "operator", "dir"}
NUMBER_METAVARS = {"N", "DAYS", "SECONDS", "TASK", "HOLD"}
PERCENT_METAVARS = {"P", "PCT"}
DATE_METAVARS = {"DATE", "YYYY-MM-DD"}


@dataclass(frozen=True)
class Case:
    path: tuple[str, ...]
    flag: str              # "--age-min", or a positional's dest
    kind: str              # a key of BAD, "choice", or "text"
    parse_time: bool       # refused by argparse itself (a type or choices), before any database work
    needed: tuple[str, ...]  # the good arguments that go with it

    def argv(self, value: str) -> list[str]:
        return [*self.path, *self.needed, *([self.flag, value] if self.flag.startswith("-") else [value])]

    def __str__(self) -> str:
        return f"{' '.join(self.path)} {self.flag}"


def _kind(action: argparse.Action) -> str:
    reader = getattr(action.type, "__name__", "")
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    if action.type is amount or metavar == "AMOUNT":
        return "amount"
    if reader == "whole number" or action.type is int or metavar in NUMBER_METAVARS:
        return "whole"
    if reader == "number list":
        return "numbers"
    if metavar in PERCENT_METAVARS:
        return "percent"
    if metavar in DATE_METAVARS or action.dest == "as_of":
        return "date"
    return "choice" if action.choices else "text"


Leaf = tuple[tuple[str, ...], argparse.ArgumentParser]


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Leaf]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _leaves(child, (*path, name))


def _needed(parser: argparse.ArgumentParser, skip: argparse.Action) -> tuple[str, ...]:
    """Good values for every required option and positional except the one under test."""
    out: list[str] = []
    for a in parser._actions:
        if a is skip or a.nargs == 0 or isinstance(a, argparse._HelpAction):
            continue
        good = GOOD.get(a.dest, a.choices and next(iter(a.choices)))
        if not a.option_strings and a.nargs != "?":
            out.append(str(good or "x"))
        elif a.required or a.dest == "practice":  # the demo has several practices
            out += [max(a.option_strings, key=len), str(good or "x")]
    for group in parser._mutually_exclusive_groups:
        if group.required and not any(a.dest in (skip.dest,) for a in group._group_actions):
            first = group._group_actions[0]
            out += [max(first.option_strings, key=len), GOOD.get(first.dest, "x")]
    return tuple(out)


def walk() -> list[Case]:
    cases = []
    for path, parser in _leaves(build_parser()):
        for a in parser._actions:
            if a.nargs == 0 or a.dest in SKIPPED or a.dest.startswith("out"):
                continue
            kind = _kind(a)
            parse_time = a.choices is not None or (a.type is not None and a.type not in (str, Path))
            flag = max(a.option_strings, key=len) if a.option_strings else a.dest
            cases.append(Case(path, flag, kind, parse_time, _needed(parser, a)))
    return cases


CASES = walk()
STRICT = [c for c in CASES if c.kind in BAD or c.kind == "choice"]


def test_the_walk_finds_the_flags_of_the_issue() -> None:
    """The walk is built from the parser: it must see the flags the issue names, by kind."""
    kinds = {(c.path, c.flag): c.kind for c in CASES}
    assert kinds[("precollections", "list"), "--escrow-min"] == "amount"
    assert kinds[("precollections", "add"), "--encounter-balance-min"] == "amount"
    assert kinds[("precollections", "add"), "--age-min"] == "whole"
    assert kinds[("precollections", "add"), "--dunning-min"] == "whole"
    assert kinds[("precollections", "set-action"), "--tasks"] == "numbers"
    assert kinds[("roster", "settings"), "--fee-pct"] == "percent"
    assert len({c.path for c in CASES}) > 50


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Relative paths the walk passes (import, returns.csv, letter.txt) are real and land here."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "import").mkdir()
    (tmp_path / "returns.csv").write_text("x\n")
    (tmp_path / "letter.txt").write_text("Dear {guarantor_name}\n")
    return tmp_path


def _one_line_naming(case: Case, value: str, code: int, out: str, err: str) -> None:
    said = f"{case} {value!r}: exit {code}, out {out!r}, err {err!r}"
    assert "Traceback" not in out + err, said
    assert code == 2, said
    lines = err.strip().splitlines()
    assert len(lines) == 1, said
    name = case.flag if case.flag.startswith("-") else ""
    assert name in lines[0] and lines[0].startswith("recoup: "), said


def _some(kind: str, i: int, how_many: int) -> list[str]:
    """`how_many` of the kind's bad values, a different few for each case, so the walk as a whole
    tries them all while each case stays quick."""
    values = BAD.get(kind, ["not-a-choice", ""])
    return [values[(i + k) % len(values)] for k in range(min(how_many, len(values)))]


PARSED = [c for c in STRICT if c.parse_time]


@pytest.mark.parametrize(("i", "case"), list(enumerate(PARSED)), ids=[str(c) for c in PARSED])
def test_flags_read_by_the_parser_refuse_in_one_line(i: int, case: Case, in_folder: Path, long_profile: bool) -> None:
    """No database is opened: the parser refuses these itself (ranges, amounts, choices)."""
    for value in _some(case.kind, i, 99 if long_profile else 2):
        code, out, err = run_cli(str(in_folder / "never-opened.db"), *case.argv(value))
        _one_line_naming(case, value, code, out, err)
        assert not (in_folder / "never-opened.db").exists()


READ = [c for c in STRICT if not c.parse_time and c.path not in PARSE_ONLY]


@pytest.mark.parametrize(("i", "case"), list(enumerate(READ)), ids=[str(c) for c in READ])
def test_flags_read_by_the_command_refuse_in_one_line(i: int, case: Case, module_demo: Path, in_folder: Path,
                                                       long_profile: bool) -> None:
    """These reach the subcommand (blank or 'none' mean "clear" there): it refuses them, naming the flag."""
    for value in _some(case.kind, i, 99 if long_profile else 2):
        code, out, err = run_cli(module_demo, "--as-of", "2026-11-23", *case.argv(value))
        _one_line_naming(case, value, code, out, err)


@pytest.mark.parametrize("value", ["", "x", "2026-13-01"])
def test_json_errors_are_json_with_the_same_exit_status(value: str, in_folder: Path) -> None:
    code, out, err = run_cli(str(in_folder / "x.db"), "--json", "precollections", "add", "--age-min", value)
    assert code == 2 and not err
    assert json.loads(out)["error"].startswith("precollections add: --age-min: ")


FAST = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), max_examples=40)
junk = st.sampled_from([v for values in BAD.values() for v in values]) | st.text(max_size=12) | st.integers().map(str)


def _fuzz(module_demo: Path, examples: int) -> None:
    cases = [c for c in CASES if c.path not in PARSE_ONLY or c.parse_time]

    @settings(FAST, max_examples=examples)
    @given(case=st.sampled_from(cases), value=junk)
    def run(case: Case, value: str) -> None:
        code, out, err = run_cli(module_demo, "--as-of", "2026-11-23", *case.argv(value))
        said = f"{case} {value!r}: exit {code}, err {err!r}"
        assert "Traceback" not in out + err, said
        assert code != 1, said  # 1 is a verify problem or an unexpected error
        if code in (2, 4, 5):
            assert len(err.strip().splitlines()) == 1, said
    run()


def test_any_value_in_any_flag_is_one_line_or_done(module_demo: Path, in_folder: Path) -> None:
    """The property: whatever value any flag of any subcommand gets, the command is done (0),
    waits for --yes (3), or refuses in exactly one line (2, 4, 5) — never a traceback."""
    _fuzz(module_demo, 40)


@pytest.mark.slow
def test_any_value_in_any_flag_long_profile(module_demo: Path, in_folder: Path, long_profile: bool) -> None:
    """2,000 values: the long profile only (RECOUP_LONG=1), like the other integrity long profiles;
    CI runs the 40 of the test above."""
    if not long_profile:
        pytest.skip("the long profile (RECOUP_LONG=1 or --long)")
    _fuzz(module_demo, 2000)
