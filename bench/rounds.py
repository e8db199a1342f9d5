"""Several rounds of the benchmarks in one summary (`python -m bench --rounds 3`).

A benchmark prints the same goal lines in the same order every round; only the figures and the
marks change. So the summary lines up each goal line across the rounds and prints it once: every
figure that differs as min/median/max of the rounds, and a mark that differs as how many rounds met
that goal.
Where a line's words differ between rounds (a bench that printed something else), each round's
line is printed as it was, so nothing is averaged that should not be.

`python -m bench.rounds LOG` prints the same summary from the saved output of `python -m bench`,
for a run that was stopped before its summary (the rounds it finished, and the part of the last).
"""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

Round = list[tuple[str, list[str]]]  # each bench's label and its goal lines, in the order they ran
TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[✔✘]")  # a figure or a mark: what changes from round to round
MARKS = ("✔", "✘")


def _shape(line: str) -> tuple[str, list[str]]:
    """The line's words with each figure and mark as {}, and those figures and marks in order."""
    return TOKEN.sub("{}", line.replace("{", "(").replace("}", ")")), TOKEN.findall(line)


def _spread(values: list[str]) -> str:
    """One figure over the rounds: as it was if every round printed it alike, else min/median/max."""
    if len(set(values)) == 1:
        return values[0]
    if values[0] in MARKS:
        met = values.count("✔")
        return "✔" if met == len(values) else f"✘ ({met} of {len(values)} rounds met it)"
    numbers = sorted(float(v.replace(",", "")) for v in values)
    decimals = max(len(v.split(".")[1]) if "." in v else 0 for v in values)
    thousands = any("," in v for v in values)
    return "/".join(f"{n:,.{decimals}f}" if thousands else f"{n:.{decimals}f}"
                    for n in (numbers[0], statistics.median(numbers), numbers[-1]))


def gather(rounds: list[list[str]]) -> list[str]:
    """One bench's goal lines from each round, as one summary: line i of every round together."""
    if len(rounds) == 1:
        return list(rounds[0])
    out: list[str] = []
    for i in range(max((len(r) for r in rounds), default=0)):
        shapes = [_shape(r[i].strip()) for r in rounds if i < len(r)]
        kinds = {(words, tuple(t in MARKS for t in tokens)) for words, tokens in shapes}
        if len(kinds) > 1 or len(shapes) < len(rounds):
            out.extend(f"round {n + 1}: {r[i].strip()}" for n, r in enumerate(rounds) if i < len(r))
            continue
        columns = zip(*(tokens for _, tokens in shapes), strict=True)
        out.append(shapes[0][0].format(*(_spread(list(c)) for c in columns)))
    return out


def summary(rounds: list[Round]) -> list[str]:
    """Each bench's label, then its goal lines gathered over the rounds that ran it."""
    out: list[str] = []
    for i, (label, _goals) in enumerate(rounds[0] if rounds else []):
        out.append(f"{label}:")
        out.extend(f"  {line.strip()}" for line in gather([r[i][1] for r in rounds if i < len(r)])
                   or ["(no goal printed)"])
    return out


def read_log(text: str) -> list[Round]:
    """The rounds in the saved output of `python -m bench`: a section per bench ("== label (load …)"),
    its lines naming a goal; rounds start at "======== round"; the runner's own summary ends it."""
    rounds: list[Round] = []
    for line in text.splitlines():
        if line.startswith("==== summary"):
            break
        if line.startswith("======== round") or not rounds:
            rounds.append([])
            if line.startswith("======== round"):
                continue
        if line.startswith("== "):
            rounds[-1].append((line[3:].split(" (load average")[0], []))
        elif "goal" in line and rounds[-1]:
            rounds[-1][-1][1].append(line.rstrip())
    return [r for r in rounds if r]


if __name__ == "__main__":
    runs = read_log(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(f"{len(runs)} round(s) in {sys.argv[1]} (figures that differ: min/median/max)")
    print("\n".join(summary(runs)))
