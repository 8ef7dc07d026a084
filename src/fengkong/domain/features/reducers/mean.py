from __future__ import annotations

from decimal import Decimal
from typing import Any

from fengkong.domain.features.reducers.fold import BucketFold

_CENT = Decimal("0.01")


def _merge(a: list[Any], b: list[Any]) -> list[Any]:
    return [a[0] + b[0], a[1] + b[1]]


class Mean(BucketFold):
    """Average of a numeric field in the window, exact: each bucket keeps [sum, count]."""

    needs_value = True
    numeric = True
    merge = _merge
    empty = (0, 0)

    def unit(self, value: Any) -> list[Any]:
        return [value, 1]

    def finish(self, folded: Any) -> Decimal | None:
        total, count = folded
        return Decimal(total) / count if count else None

    def yuan(self, fen: Any) -> Decimal:
        """The mean of money, to the fen."""
        return (Decimal(fen) / 100).quantize(_CENT)
