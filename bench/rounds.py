"""Several rounds of the benchmarks in one summary (`python -m bench --rounds 3`).

A benchmark prints the same goal lines in the same order every round; only the figures and the
marks change. So the summary lines up each goal line across the rounds and prints it once: every
figure that differs as min/median/max of the rounds, and the mark as how many rounds met the goal.
Where a line's words differ between rounds (a bench that printed something else), each round's
line is printed as it was, so nothing is averaged that should not be.
"""

from __future__ import annotations

import re
import statistics

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
MARKS = ("✔", "✘")


def _figures(line: str) -> tuple[str, list[str]]:
    """The line's words with each figure as {} and its marks taken out, and the figures in order."""
    skeleton = NUMBER.sub("{}", line.replace("{", "(").replace("}", ")"))
    for mark in MARKS:
        skeleton = skeleton.replace(mark, "")
    return " ".join(skeleton.split()), NUMBER.findall(line)


def _spread(values: list[str]) -> str:
    if len(set(values)) == 1:
        return values[0]
    numbers = sorted(float(v.replace(",", "")) for v in values)
    decimals = max(len(v.split(".")[1]) if "." in v else 0 for v in values)
    thousands = any("," in v for v in values)
    return "/".join(f"{n:,.{decimals}f}" if thousands else f"{n:.{decimals}f}"
                    for n in (numbers[0], statistics.median(numbers), numbers[-1]))


def _verdict(lines: list[str]) -> str:
    marked = [line for line in lines if any(m in line for m in MARKS)]
    if not marked:
        return ""
    met = sum("✔" in line and "✘" not in line for line in marked)
    return f" {'✔' if met == len(marked) else '✘'} {met}/{len(marked)} rounds"


def gather(rounds: list[list[str]]) -> list[str]:
    """One bench's goal lines from each round, as one summary: line i of every round together."""
    if len(rounds) == 1:
        return list(rounds[0])
    out: list[str] = []
    for i in range(max((len(r) for r in rounds), default=0)):
        lines = [r[i].strip() for r in rounds if i < len(r)]
        shapes = [_figures(line) for line in lines]
        if len({s for s, _ in shapes}) > 1 or len(lines) < len(rounds):
            out.extend(f"round {n + 1}: {r[i].strip()}" for n, r in enumerate(rounds) if i < len(r))
            continue
        skeleton, _ = shapes[0]
        columns = zip(*(figures for _, figures in shapes), strict=True)
        out.append(skeleton.format(*(_spread(list(c)) for c in columns)) + _verdict(lines))
    return out
