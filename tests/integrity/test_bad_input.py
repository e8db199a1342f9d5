"""Bad input: fuzzed CSV imports, garbage in every CLI flag, every criteria form field kind.

Never a traceback, never exit 1 with a Python error, always one clear message, and nothing
changed (a database fingerprint before and after). Injection strings go into every text cell
and flag; path tricks into file and folder arguments.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import BadInput
from core.exchange import agency_files
from db.engine import make_engine
from tests.import_files import GOOD, HEADERS
from tests.integrity.support import fingerprint, run_cli
from tui.widgets.form import KINDS, Field, parse_field

COUNTS = {"csv": 0, "cli": 0, "form": 0}
INJECTIONS = ["'; DROP TABLE practice; --", "=cmd|' /C calc'!A0", "+SUM(A1)", "-1+1", "@SUM(1)",
              "../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "\x00", "\u202e", "NaN", "1e309",
              "-0.001", "99999999999999999999", "", " ", "ǅ", "%s%s%n", "{0}", "$(reboot)", "`id`",
              "\r\n", "\"", "1,000.00", "0x10", "2026-02-30", "9999-12-31", "-1", "None"]
text_values = st.sampled_from(INJECTIONS) | st.text(max_size=12)
FAST = settings(max_examples=25, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _fp(db: Path) -> dict:
    engine = make_engine(f"sqlite:///{db}")
    try:
        return fingerprint(engine)
    finally:
        engine.dispose()


def _clear_failure(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err, out + err
    assert code != 1, f"exit 1 (a Python error?): {out}{err}"
    if code:
        assert err.strip(), "a refusal must say why"


# ---------------------------------------------------------------------------------- CSV import

@st.composite
def garbled_export(draw: st.DrawFn) -> dict[str, bytes]:
    """The GOOD export with random cells replaced by junk, or whole files replaced by bytes."""
    out = {}
    for name, rows in GOOD.items():
        if draw(st.integers(0, 9)) == 0:
            out[name] = draw(st.binary(max_size=200))
            continue
        cells = [r.split(",") for r in rows]
        for _ in range(draw(st.integers(0, 3))):
            r = draw(st.integers(0, len(cells) - 1))
            c = draw(st.integers(0, len(cells[r]) - 1))
            cells[r][c] = draw(text_values).replace(",", ";")
        text = "\r\n".join([HEADERS[name], *(",".join(c) for c in cells)]) + "\r\n"
        out[name] = text.encode("utf-8", "surrogatepass")
    return out


@pytest.mark.slow
def test_fuzzed_imports_never_crash_and_change_nothing_when_refused(module_demo: Path, tmp_path: Path,
                                                                    long_profile: bool) -> None:
    @settings(FAST, max_examples=300 if long_profile else 25)
    @given(export=garbled_export())
    def run(export: dict[str, bytes]) -> None:
        COUNTS["csv"] += 1
        folder = tmp_path / f"imp{COUNTS['csv']}"
        folder.mkdir()
        for name, data in export.items():
            (folder / name).write_bytes(data)
        before = _fp(module_demo)
        code, out, err = run_cli(module_demo, "--as-of", "2026-11-23", "import", str(folder))
        _clear_failure(code, out, err)
        if code:
            assert _fp(module_demo) == before, "a refused import changed the database"
        code, out, _ = run_cli(module_demo, "verify")
        assert code == 0, out
        shutil.rmtree(folder)
    run()
    print(f"\nfuzzed imports: {COUNTS['csv']}")


# ------------------------------------------------------------------------------------ CLI flags

# (command words, flags that take a value, needed flags) — every flag of the automation contract
COMMANDS = [
    (("precollections", "add"), ("--practice", "--guarantor-balance-min", "--guarantor-balance-max",
                                 "--encounter-balance-min", "--encounter-balance-max", "--age-min",
                                 "--dunning-min", "--statement-profile", "--encounter", "--balance-for")),
    (("precollections", "list"), ("--state", "--escrow-min", "--practice")),
    (("precollections", "set-action", "remove"), ("--tasks", "--practice")),
    (("precollections", "apply"), ("--agency", "--practice", "--out")),
    (("agencies", "add"), ("--practice", "--agency", "--balance-gt", "--age-gt")),
    (("agencies", "rules"), ("--practice", "--exclude-days", "--exclude-min", "--exclude-pct")),
    (("external", "run"), ("--practice", "--out")),
    (("external", "list"), ("--state",)),
    (("roster", "status", "set", "ZZ"), ("--practice", "--description", "--days", "--transfer-to", "--letter")),
    (("roster", "settings"), ("--practice", "--age-to-enter", "--min-balance", "--initial-status", "--aging")),
    (("roster", "plan"), ("--guarantor", "--amount", "--every-days", "--start")),
    (("roster", "populate"), ("--practice",)),
    (("roster", "turnover"), ("--practice", "--guarantors", "--fee-pct", "--out-dir")),
    (("dashboard",), ("--practice",)),
    (("nightly",), ("--practice", "--out")),
    (("audit",), ("--record", "--operator")),
    (("users", "add", "x"), ("--role",)),
    (("import",), ()),
]
GLOBAL = ("--as-of", "--operator")


@st.composite
def cli_call(draw: st.DrawFn) -> list[str]:
    words, flags = draw(st.sampled_from(COMMANDS))
    argv = list(words)
    if words == ("import",):
        argv.append(draw(st.sampled_from(["../../etc", "/etc/passwd", "", "nope", "/dev/null"])))
    for flag in draw(st.lists(st.sampled_from(flags + GLOBAL), min_size=1, max_size=3, unique=True)) if flags else []:
        argv += [flag, draw(text_values)]
    return argv


@pytest.mark.slow
def test_garbage_in_every_cli_flag(module_demo: Path, tmp_path: Path, long_profile: bool,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative --out values land here, never in the checkout
    outside = set(tmp_path.parent.iterdir())

    @settings(FAST, max_examples=400 if long_profile else 60)
    @given(argv=cli_call())
    def run(argv: list[str]) -> None:
        COUNTS["cli"] += 1
        before = _fp(module_demo)
        code, out, err = run_cli(module_demo, *argv)
        _clear_failure(code, out, err)
        if code:
            assert _fp(module_demo) == before, f"{argv}: refused but changed the database"
    run()
    assert set(tmp_path.parent.iterdir()) <= outside | {tmp_path}, "a path trick wrote outside its folder"
    code, out, _ = run_cli(module_demo, "verify")
    assert code == 0, out
    print(f"\nfuzzed CLI calls: {COUNTS['cli']}")


# ------------------------------------------------------------------------------------ form fields

@settings(FAST, max_examples=300)
@given(kind=st.sampled_from(KINDS), raw=text_values | st.booleans(), required=st.booleans(),
       minimum=st.none() | st.just(0), max_length=st.none() | st.integers(1, 10))
def test_every_form_field_kind_parses_or_names_the_field(kind: str, raw, required: bool, minimum, max_length) -> None:
    COUNTS["form"] += 1
    field = Field("f", "Label", kind=kind, required=required, minimum=minimum, max_length=max_length,
                  choices=("patient", "employer") if kind == "choice" else ())
    try:
        value = parse_field(field, raw)
    except BadInput as e:
        assert "Label" in str(e) and e.field == "f"
        return
    if kind == "money" and value is not None:
        assert isinstance(value, int)


# ------------------------------------------------------------------------------ formula injection

@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "@SUM(1)"])
def test_csv_agency_files_neutralise_formulas(value: str) -> None:
    assert not agency_files._csv_text("text", value).startswith(("=", "+", "-", "@"))
