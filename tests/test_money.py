"""core.money: the one place amounts become cents and back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import BadInput
from core.money import (
    MAX_CENTS,
    AmountError,
    format_display,
    format_percent,
    format_plain,
    parse,
    parse_optional,
    parse_percent,
)


@pytest.mark.parametrize("text,cents", [
    ("1,234.56", 123456), ("-5.00", -500), ("$12", 1200), ("12.5", 1250), ("0.07", 7),
    (" 42 ", 4200), ("-$3.10", -310), ("$-3.10", -310), (".5", 50), ("1,000,000", 100000000),
    ("0", 0), ("12.", None),
])
def test_parse_accepts_plain_amounts(text: str, cents: int | None) -> None:
    if cents is None:
        with pytest.raises(AmountError):
            parse(text)
    else:
        assert parse(text) == cents


@pytest.mark.parametrize("text", [
    "", "   ", "12,50", "1,23,456", "1.005", "--5", "-$-5", "1e3", "abc", "12.3.4", "$", "-",
    "1 000", "(5.00)", "5-", "1,2345", "NaN", "inf",
])
def test_parse_refuses_ambiguous_text(text: str) -> None:
    with pytest.raises(AmountError):
        parse(text)


def test_parse_optional_blank_is_none() -> None:
    assert parse_optional("") is None and parse_optional(None) is None and parse_optional("1") == 100


def test_format() -> None:
    assert format_plain(123456) == "1234.56"
    assert format_plain(-5) == "-0.05"
    assert format_display(123456, symbol=True) == "$1,234.56"
    assert format_display(-100000) == "-1,000.00"


@given(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS))
def test_round_trip(cents: int) -> None:
    assert parse(format_plain(cents)) == cents
    assert parse(format_display(cents, symbol=True)) == cents


def test_summary_lines_read_as_sentences() -> None:
    from core.errors import SummaryLine
    assert SummaryLine(12, 431000, "will be sent to Collections").describe() == \
        "12 items will be sent to Collections, $4,310.00"
    assert SummaryLine(1, None, "will be turned over", noun="account").describe() == "1 account will be turned over"
    assert (SummaryLine(3, 500, "will be turned over", noun="account").describe()
            == "3 accounts will be turned over, $5.00")


def test_counts_in_messages_agree_with_their_number() -> None:
    from core.errors import SummaryLine, counted
    assert [counted(n, "task") for n in (0, 1, 2, 1204)] == ["0 tasks", "1 task", "2 tasks", "1,204 tasks"]
    assert counted(1, "agency", "agencies") == "1 agency" and counted(3, "agency", "agencies") == "3 agencies"
    assert SummaryLine(1, 41420, "will be sent to Collections").describe() == \
        "1 item will be sent to Collections, $414.20"


@pytest.mark.parametrize("text,bp", [("10", 1000), ("12.5 %", 1250), ("33.33%", 3333), ("0.25", 25), (".5", 50),
                                     ("100", 10000)])
def test_percent_is_read_exactly_as_basis_points(text: str, bp: int) -> None:
    assert parse_percent(text, "fee-pct") == bp
    assert parse_percent(format_percent(bp) or "", "fee-pct") == bp


@pytest.mark.parametrize("text,allow_zero,words", [
    ("ten", False, "fee-pct: 'ten' is not a percentage like 10 or 12.5"),
    ("1.234", False, "is not a percentage"), ("-5", True, "is not a percentage"),
    ("0", False, "fee-pct: must be a percentage more than 0 and at most 100"),
    ("101", True, "fee-pct: must be a percentage from 0 to 100")])
def test_every_percent_field_refuses_in_one_style_naming_the_field(text: str, allow_zero: bool,
                                                                   words: str) -> None:
    with pytest.raises(BadInput, match=words) as refused:
        parse_percent(text, "fee-pct", allow_zero=allow_zero)
    assert refused.value.field == "fee-pct"
    assert parse_percent("0", "fee-pct", allow_zero=True) == 0


@pytest.mark.parametrize("text", ["1,000,000,000.00", "100000000000000000", "-99999999999999999999999"])
def test_amounts_beyond_the_range_are_refused_in_words(text: str) -> None:
    with pytest.raises(AmountError, match=r"from -999,999,999\.99 to 999,999,999\.99"):
        parse(text)
