from __future__ import annotations

import operator
from typing import Any

from fengkong.domain.features import buckets
from fengkong.domain.features.reducers.base import Reducer


class Total(Reducer):
    """Sum of a numeric field in the window (money summed as integer fen: exact)."""

    needs_value = True
    numeric = True

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), value, operator.add, self.keep)
        return state

    def retract(self, state: Any, ts: float, value: Any) -> Any:
        """Take `value` back out of the bucket of `ts` (a reversal returns allowance to its day)."""
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), -value, operator.add, self.keep)
        return state

    def query(self, state: Any, ts: float) -> Any:
        if not state:
            return 0
        lo, hi = self.window.span(ts)
        return buckets.fold(state, lo, hi, operator.add, 0)
