from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.domain.money import MoneyError, fen_to_yuan, format_yuan, parse_yuan


@given(st.integers(min_value=1, max_value=10**13))
def test_fen_round_trips_through_decimal_and_string(fen: int) -> None:
    assert parse_yuan(fen_to_yuan(fen)) == fen
    assert parse_yuan(str(fen_to_yuan(fen))) == fen


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=50))
def test_sums_of_parsed_amounts_are_exact(fens: list[int]) -> None:
    # The classic float failure (0.1 + 0.2) cannot happen: amounts are integer fen inside.
    texts = [str(fen_to_yuan(f)) for f in fens]
    assert sum(parse_yuan(t) for t in texts) == sum(fens)
    assert fen_to_yuan(sum(parse_yuan(t) for t in texts)) == sum(Decimal(t) for t in texts)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("-5", "greater than 0"),
        (-5, "greater than 0"),
        ("0", "greater than 0"),
        ("abc", "not a decimal"),
        ("1.005", "more than 2 decimals"),
        (Decimal("12.345"), "more than 2 decimals"),
        (True, "boolean"),
        (None, "not NoneType"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("1e20", "implausibly large"),
    ],
)
def test_invalid_amounts_are_refused_with_a_reason(value: object, fragment: str) -> None:
    with pytest.raises(MoneyError, match=fragment):
        parse_yuan(value)


def test_trailing_zeros_are_not_extra_decimals() -> None:
    assert parse_yuan("1.500") == 150
    assert parse_yuan(Decimal("0.10")) == 10


def test_float_input_uses_its_shortest_representation() -> None:
    assert parse_yuan(0.1) == 10
    with pytest.raises(MoneyError):
        parse_yuan(1.005)


def test_format_yuan() -> None:
    assert format_yuan(123456789) == "1,234,567.89"
    assert format_yuan(-5) == "-0.05"
