"""Arithmetic helpers. Money stays Decimal; ratios of mixed kinds fall back to float."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fengkong.domain.rules.functions import NUMBER, register


@register("abs", (NUMBER,), NUMBER)
def abs_(x: Any) -> Any:
    """Absolute value."""
    return abs(x)


@register("min", (NUMBER, NUMBER), NUMBER, variadic=True)
def min_(*xs: Any) -> Any:
    """Smallest of its arguments."""
    return min(xs)


@register("max", (NUMBER, NUMBER), NUMBER, variadic=True)
def max_(*xs: Any) -> Any:
    """Largest of its arguments."""
    return max(xs)


@register("clamp", (NUMBER, NUMBER, NUMBER), NUMBER)
def clamp(x: Any, low: Any, high: Any) -> Any:
    """x limited to [low, high]."""
    return min(max(x, low), high)


@register("round", (NUMBER, NUMBER), NUMBER, min_args=1)
def round_(x: Any, digits: Any = None) -> Any:
    """Round half-even to `digits` decimals; to a whole number when no digits are given."""
    if digits is None:
        return int(round(x))
    return round(x, int(digits))


@register("ratio", (NUMBER, NUMBER), NUMBER)
def ratio(a: Any, b: Any) -> Any:
    """a / b, or null when b is 0: ratio(event.amount, features.avg_amount_90d)."""
    if b == 0:
        return None
    if isinstance(a, float) or isinstance(b, float):
        return float(a) / float(b)
    return Decimal(a) / Decimal(b)
