"""Currencies (ISO 4217) and conversion to yuan: the limits of the source documents are in yuan,
so a payment in another currency is counted at the policy's rate, never at face value.

>>> currency_code("156"), currency_code("usd"), currency_code(840)
('CNY', 'USD', 'USD')
>>> to_yuan(Decimal("100.00"), Decimal("7.1234"))
Decimal('712.34')
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

HOME = "CNY"

# Alphabetic code -> numeric code (ISO 4217): the currencies a payment in China meets.
ISO_4217: dict[str, str] = {
    "CNY": "156",
    "HKD": "344",
    "MOP": "446",
    "TWD": "901",
    "USD": "840",
    "EUR": "978",
    "GBP": "826",
    "JPY": "392",
    "KRW": "410",
    "SGD": "702",
    "AUD": "036",
    "CAD": "124",
    "CHF": "756",
    "NZD": "554",
    "THB": "764",
    "MYR": "458",
    "IDR": "360",
    "PHP": "608",
    "VND": "704",
    "INR": "356",
    "RUB": "643",
    "KZT": "398",
    "AED": "784",
    "SAR": "682",
    "SEK": "752",
    "NOK": "578",
    "DKK": "208",
    "LAK": "418",
    "MMK": "104",
    "KHR": "116",
    "MNT": "496",
    "PKR": "586",
    "BRL": "986",
    "ZAR": "710",
}
_BY_NUMBER = {number: code for code, number in ISO_4217.items()}
_FEN = Decimal("0.01")


class CurrencyError(ValueError):
    pass


def currency_code(value: Any) -> str:
    """The alphabetic code of a currency given by its alphabetic or numeric ISO 4217 code."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CurrencyError("must be an ISO 4217 code such as CNY or 156")
    text = str(value).strip().upper()
    if text.isdigit():
        code = _BY_NUMBER.get(text.zfill(3))
        if code is None:
            raise CurrencyError("is not an ISO 4217 numeric code we know (156 is CNY)")
        return code
    if text not in ISO_4217:
        raise CurrencyError(f"is not an ISO 4217 currency we know; one of {', '.join(ISO_4217)}")
    return text


def to_yuan(amount: Decimal, rate: Decimal) -> Decimal:
    """`amount` of a currency at `rate` yuan per unit, to the fen (half up); never below 0.01."""
    return max((amount * rate).quantize(_FEN, rounding=ROUND_HALF_UP), _FEN)


def parse_rates(table: dict[str, Any]) -> dict[str, Decimal]:
    """A policy's rate table (currency: yuan per unit) checked: known codes, positive exact rates."""
    rates: dict[str, Decimal] = {}
    for key, value in table.items():
        try:
            code = currency_code(key)
        except CurrencyError as exc:
            raise CurrencyError(f"fx_rates.{key}: {exc}") from None
        try:
            rate = Decimal(str(value))
        except InvalidOperation:
            raise CurrencyError(f"fx_rates.{key}: the rate is not a number") from None
        if not rate.is_finite() or rate <= 0:
            raise CurrencyError(f"fx_rates.{key}: a rate must be a positive number of yuan per unit")
        rates[code] = rate
    return rates
