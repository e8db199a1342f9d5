"""core.limits: the ranges of the numbers operators type, and the sentence that names them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import BadInput, agree, counted
from core.limits import DAYS, NUMBER
from core.precollections.criteria import Criteria, TaskFilter


@given(st.integers())
def test_a_number_is_taken_exactly_when_it_is_in_range(n: int) -> None:
    if DAYS.low <= n <= DAYS.high:
        assert DAYS.parse(str(n), "age_min") == n
        return
    with pytest.raises(BadInput) as exc:
        DAYS.parse(str(n), "age_min")
    assert exc.value.field == "age_min" and exc.value.reason == "must be a whole number of days from 0 to 36500"
    assert exc.value.message == "age-min: must be a whole number of days from 0 to 36500"


@pytest.mark.parametrize("text", ["", " ", "x", "1.5", "1e3", "0x10", "١٢", "9" * 400, "--1", "+1"])
def test_malformed_numbers_get_the_same_sentence(text: str) -> None:
    with pytest.raises(BadInput, match="from 1 to 2147483647"):
        NUMBER.parse(text, "tasks")


def test_criteria_and_filters_refuse_out_of_range_numbers_where_they_are_made() -> None:
    """The Add form and the Filter form build these: a huge number is a message at its field,
    never an OverflowError from the database or the calendar."""
    with pytest.raises(BadInput) as exc:
        Criteria(age_min=1_000_000)
    assert exc.value.field == "age_min"
    with pytest.raises(BadInput) as exc:
        TaskFilter(escrow_min=10**19)
    assert exc.value.field == "escrow_min" and "999,999,999.99" in exc.value.message
    with pytest.raises(BadInput):
        Criteria(dunning_min=10**20)
    assert Criteria(age_min=36500, dunning_min=0).age_min == 36500


def test_counts_agree() -> None:
    assert f"{counted(1, 'account')} {agree(1, 'is', 'are')}" == "1 account is"
    assert f"{counted(2, 'account')} {agree(2, 'is', 'are')}" == "2 accounts are"
    assert counted(1, "letter") == "1 letter" and counted(1, "posted line") == "1 posted line"
