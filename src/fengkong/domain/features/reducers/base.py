from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from fengkong.domain.features.windows import Window


class Reducer:
    """Base of the windowed reducers: knows its window and how many buckets to retain."""

    needs_value: ClassVar[bool] = False
    numeric: ClassVar[bool] = False  # value is a number (money in fen when the field is money)
    carries_value: ClassVar[bool] = False  # the result is a field's own value (money in fen, too)
    result_type: ClassVar[str] = "number"

    def __init__(self, window: Window, lateness_s: int, max_distinct: int = 1000):
        self.window = window
        self.lateness_s = lateness_s
        self.keep = window.n_buckets - 1 + window.lateness_buckets(lateness_s)
        self.max_distinct = max_distinct

    def update(self, state: Any, ts: float, value: Any) -> Any:
        raise NotImplementedError

    def query(self, state: Any, ts: float) -> Any:
        raise NotImplementedError

    def retract(self, state: Any, ts: float, value: Any) -> Any:
        raise TypeError(f"{type(self).__name__} cannot take an event back")

    def yuan(self, fen: Any) -> Decimal:
        """A money result (in fen) as exact yuan with two places."""
        return Decimal(fen).scaleb(-2)
