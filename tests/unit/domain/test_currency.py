"""Currencies: ISO 4217 codes in either form, conversion to yuan exact to the fen, and the
policy's rate table checked when it is loaded."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.domain.currency import ISO_4217, CurrencyError, currency_code, parse_rates, to_yuan
from fengkong.domain.rules.errors import RuleSetError
from fengkong.domain.rules.loader import load_policy


@pytest.mark.parametrize(("code", "number"), list(ISO_4217.items()))
def test_numeric_and_alphabetic_codes_name_the_same_currency(code: str, number: str) -> None:
    assert currency_code(number) == currency_code(code.lower()) == currency_code(int(number)) == code


@pytest.mark.parametrize("bad", ["XYZ", "999", "", True, 1.5, None])
def test_an_unknown_code_is_refused(bad: object) -> None:
    with pytest.raises(CurrencyError):
        currency_code(bad)


@given(
    st.integers(min_value=1, max_value=10**12).map(lambda fen: Decimal(fen).scaleb(-2)),
    st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("100"), places=5),
)
def test_conversion_is_exact_to_the_fen(amount: Decimal, rate: Decimal) -> None:
    yuan = to_yuan(amount, rate)
    assert yuan == yuan.quantize(Decimal("0.01")) and yuan >= Decimal("0.01")
    exact = amount * rate
    assert abs(yuan - exact) <= Decimal("0.005") or yuan == Decimal("0.01")
    assert yuan == max(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), Decimal("0.01"))


def test_rates_must_be_known_currencies_with_positive_rates() -> None:
    assert parse_rates({"usd": "7.1", "344": 0.91}) == {"USD": Decimal("7.1"), "HKD": Decimal("0.91")}
    for table in ({"XYZ": 1}, {"USD": "0"}, {"USD": "-1"}, {"USD": "seven"}):
        with pytest.raises(CurrencyError):
            parse_rates(table)


def test_a_policy_with_a_bad_rate_is_refused_with_its_line() -> None:
    text = 'policy: p\nversion: "1"\nvalues: {a: 1}\nfx_rates:\n  USD: "7.1"\n  XYZ: "1"\n'
    with pytest.raises(RuleSetError) as caught:
        load_policy("p.yaml", text)
    assert "XYZ" in str(caught.value) and ":6:" in str(caught.value)
    assert load_policy("p.yaml", text.replace('  XYZ: "1"\n', "")).fx_rates == {"USD": Decimal("7.1")}
