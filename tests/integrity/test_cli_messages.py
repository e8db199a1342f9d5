"""The command line's edges on the small demo: --db problems, broken pipes, messages in the
operator's words (flags, counts, percentages), --json errors and warnings, and business dates."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import PG_URL
from tests.integrity.support import RECOUP, ROOT, run_cli

AS_OF = ("--as-of", "2026-11-23")


def _one_line(code: int, err: str, want_code: int, *words: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert code == want_code and len(lines) == 1, (code, err)
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def _db_urls(tmp_path: Path) -> list[str]:
    urls = ["/dev/null", str(tmp_path), "foo://bar/baz", "mysql://x/y", "postgresql://a:b@[::1",
            "postgresql://postgres@127.0.0.1:1/none"]
    if PG_URL:
        base = PG_URL.rsplit("/", 1)[0]
        urls.append(f"{base}/recoup_no_such_database_here")
    return urls


def test_db_problems_are_one_line_naming_db(tmp_path: Path) -> None:
    for url in _db_urls(tmp_path):
        code, out, err = run_cli(url, *AS_OF, "roster", "list")
        _one_line(code, err, 2, "recoup: --db: ")
        code, out, err = run_cli(url, *AS_OF, "--json", "roster", "list")
        assert code == 2 and not err and json.loads(out)["error"].startswith("--db: ")


def test_a_closed_pipe_ends_quietly(demo_copy: Path) -> None:
    """A real pipe whose reader is gone before the first line (as `| head -1` leaves it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*RECOUP, "--db", f"sqlite:///{demo_copy}", *AS_OF, "roster", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() in (0, 141) and err == "", err


def test_head_reads_one_line_and_the_rest_ends_quietly(demo_copy: Path) -> None:
    line = " ".join([*RECOUP, "--db", f"sqlite:///{demo_copy}", *AS_OF, "--json", "audit", "--limit", "100000"])
    run = subprocess.run(["bash", "-o", "pipefail", "-c", f"{line} | head -1"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.stdout == "[\n" and "Traceback" not in run.stderr and run.stderr == ""
    assert run.returncode in (0, 141)


def test_settings_refusals_name_the_flag_and_speak_amounts_and_percents(demo_copy: Path) -> None:
    settings = (*AS_OF, "roster", "settings", "--practice", "DEMO-FAM")
    code, _, err = run_cli(demo_copy, *settings, "--min-balance", "99999999")
    assert _one_line(code, err, 2) == "recoup: --min-balance: must be an amount from 0.00 to 9,999,999.99"
    code, _, err = run_cli(demo_copy, *settings, "--fee-pct", "101")
    assert _one_line(code, err, 2) == "recoup: --fee-pct: must be a percentage from 0 to 100"
    code, out, err = run_cli(demo_copy, "--json", *settings, "--fee-pct", "25")
    assert code == 0 and json.loads(out)["fee_pct"] == "25.00", err


def test_the_issues_numbers_are_refused_in_one_line(demo_copy: Path) -> None:
    cases = [(("precollections", "list", "--escrow-min", "100000000000000000"), "--escrow-min", "999,999,999.99"),
             (("precollections", "add", "--encounter-balance-min", "99999999999999999999999"),
              "--encounter-balance-min", "999,999,999.99"),
             (("precollections", "add", "--age-min", "1000000"), "--age-min",
              "must be a whole number of days from 0 to 36500"),
             (("precollections", "add", "--dunning-min", "99999999999999999999"), "--dunning-min", "from 0 to 9999"),
             (("precollections", "set-action", "remove", "--tasks", "99999999999999999999"), "--tasks",
              "from 1 to 2147483647")]
    for argv, flag, words in cases:
        code, _, err = run_cli(demo_copy, *AS_OF, *argv, "--practice", "DEMO-FAM")
        _one_line(code, err, 2, flag, words)


def test_an_unknown_statement_profile_is_refused(demo_copy: Path) -> None:
    for command in ("add", "list"):
        code, _, err = run_cli(demo_copy, *AS_OF, "precollections", command, "--practice", "DEMO-FAM",
                               "--statement-profile", "NOPE")
        _one_line(code, err, 2, "--statement-profile", "'NOPE'", "STANDARD")


def test_a_spreadsheet_not_marked_sent_does_not_say_sent(demo_copy: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(demo_copy, *AS_OF, "precollections", "spreadsheet", "--practice", "DEMO-FAM",
                             "--agency", "CBA", "--out", str(tmp_path / "files"))
    assert code == 0, err
    assert "sent to the agency" not in out and "still Not Sent" in out
    code, out, _ = run_cli(demo_copy, *AS_OF, "--json", "precollections", "list", "--practice", "DEMO-FAM",
                           "--state", "sent")
    sent_before = len(json.loads(out))
    code, out, err = run_cli(demo_copy, *AS_OF, "precollections", "spreadsheet", "--practice", "DEMO-FAM",
                             "--agency", "CBA", "--out", str(tmp_path / "files"), "--update-as-sent", "--yes")
    assert code == 0 and "sent to the agency" in out, err
    code, out, _ = run_cli(demo_copy, *AS_OF, "--json", "precollections", "list", "--practice", "DEMO-FAM",
                           "--state", "sent")
    assert len(json.loads(out)) > sent_before


def test_json_warnings_are_json_with_exit_3(demo_copy: Path) -> None:
    code, out, _ = run_cli(demo_copy, *AS_OF, "--json", "precollections", "list", "--practice", "DEMO-FAM",
                           "--state", "pre", "--limit", "1")
    task = str(json.loads(out)[0]["task"])
    assert run_cli(demo_copy, *AS_OF, "precollections", "set-action", "remove", "--tasks", task,
                   "--practice", "DEMO-FAM")[0] == 0
    code, out, err = run_cli(demo_copy, *AS_OF, "--json", "precollections", "apply", "--practice", "DEMO-FAM")
    got = json.loads(out)
    assert code == 3 and not err
    assert got["warning"] == "Apply Action" and got["summary"]["lines"][0]["count"] == 1
    assert got["summary"]["lines"][0]["text"].startswith("1 item ")


def test_json_refusals_are_json_with_their_exit_status(demo_copy: Path) -> None:
    code, out, err = run_cli(demo_copy, *AS_OF, "--json", "--operator", "nobody", "roster", "list")
    assert code == 4 and not err and "error" in json.loads(out)
    code, out, err = run_cli(demo_copy, *AS_OF, "--json", "precollections", "list", "--practice", "NOPE")
    assert code == 2 and not err and json.loads(out)["error"] == "--practice: no practice 'NOPE'"


def test_dashboard_as_of_an_earlier_date_counts_as_of_that_date(demo_copy: Path) -> None:
    def pre(as_of: str) -> int:
        code, out, err = run_cli(demo_copy, "--as-of", as_of, "--json", "dashboard", "--practice", "DEMO-FAM")
        assert code == 0, err
        return int(json.loads(out)["pre"]["count"])
    _, out, _ = run_cli(demo_copy, *AS_OF, "--json", "precollections", "list", "--practice", "DEMO-FAM")
    assert pre("2026-11-23") == sum(1 for r in json.loads(out) if r["state"] == "pre") > 0
    assert pre("2026-01-01") == 0   # the demo_copy's list was built on 2026-11-23: nothing was on it before


def test_worker_once_runs_the_given_business_date_only(demo_copy: Path) -> None:
    code, out, err = run_cli(demo_copy, "--as-of", "2026-11-24", "--json", "worker", "--once")
    ran = json.loads(out)
    assert code == 0, err
    assert ran and {r["date"] for r in ran} == {"2026-11-24"}
    code, out, err = run_cli(demo_copy, "--as-of", "2026-11-24", "--json", "worker", "--once")
    assert code == 0 and json.loads(out) == [], err
