"""The summary of several rounds of the benchmarks (bench/rounds.py): each goal line once, its
figures as min/median/max and its mark as how many rounds met the goal. Pure text: no bench runs."""

from __future__ import annotations

from bench.rounds import gather, read_log, summary


def test_one_round_is_printed_as_it_came() -> None:
    lines = ["Apply 1.31x the same writes bare (goal <= 2x) ✔"]
    assert gather([lines]) == lines


def test_figures_that_differ_are_printed_as_min_median_max_and_the_marks_are_counted() -> None:
    rounds = [[f"Apply 100,000 tasks: {s} s vs bare {b} s = {r}x (goal <= 2x) {m}"]
              for s, b, r, m in (("2.40", "1.90", "1.26", "✔"), ("3.10", "1.50", "2.07", "✘"),
                                 ("2.20", "1.80", "1.22", "✔"))]
    assert gather(rounds) == ["Apply 100,000 tasks: 2.20/2.40/3.10 s vs bare 1.50/1.80/1.90 s = "
                              "1.22/1.26/2.07x (goal <= 2x) ✘ (2 of 3 rounds met it)"]


def test_thousands_keep_their_commas_and_every_round_met_reads_as_met() -> None:
    rounds = [["import: 31,200 rows/s ✔"], ["import: 29,800 rows/s ✔"], ["import: 33,050 rows/s ✔"]]
    assert gather(rounds) == ["import: 29,800/31,200/33,050 rows/s ✔"]


def test_each_mark_of_a_line_with_two_goals_is_counted_in_its_place() -> None:
    rounds = [["sheet: 1.70 s (goal <= 2.5 s) ✔; grew 2 MB (goal <= 100 MB) ✔"],
              ["sheet: 2.90 s (goal <= 2.5 s) ✘; grew 2 MB (goal <= 100 MB) ✔"]]
    assert gather(rounds) == ["sheet: 1.70/2.30/2.90 s (goal <= 2.5 s) ✘ (1 of 2 rounds met it); grew 2 MB "
                              "(goal <= 100 MB) ✔"]


def test_lines_whose_words_differ_are_printed_per_round_not_merged() -> None:
    rounds = [["external: 12.1x (goal <= 15x) ✔"], ["✘ exited 1"], ["external: 11.8x (goal <= 15x) ✔"]]
    assert gather(rounds) == ["round 1: external: 12.1x (goal <= 15x) ✔", "round 2: ✘ exited 1",
                              "round 3: external: 11.8x (goal <= 15x) ✔"]


def test_a_line_missing_from_a_round_is_printed_per_round() -> None:
    rounds = [["a 1.0x ✔", "b 2.0x ✔"], ["a 1.1x ✔"]]
    assert gather(rounds) == ["a 1.0/1.1/1.1x ✔", "round 1: b 2.0x ✔"]


def test_a_stopped_runs_log_gives_the_summary_of_the_rounds_it_finished() -> None:
    log = "\n".join([
        "======== round 1 of 3 (load average 1.00 1.00 1.00)",
        "== external (SQLite) (load average 1.00 1.00 1.00)",
        "generating 10,000 encounters…",
        "  vs the same writes bare 0.108 s = 3.4x (goal <= 15x) ✔",
        "== roster (SQLite) (load average 1.10 1.00 1.00)",
        "  populate 2.1x its writes (goal <= 15x) ✔",
        "======== round 2 of 3 (load average 1.20 1.00 1.00)",
        "== external (SQLite) (load average 1.20 1.00 1.00)",
        "  vs the same writes bare 0.120 s = 3.6x (goal <= 15x) ✔",
    ])
    assert summary(read_log(log)) == [
        "external (SQLite):", "  vs the same writes bare 0.108/0.114/0.120 s = 3.4/3.5/3.6x (goal <= 15x) ✔",
        "roster (SQLite):", "  populate 2.1x its writes (goal <= 15x) ✔"]
