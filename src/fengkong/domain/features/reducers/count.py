from __future__ import annotations

import operator
from typing import Any

from fengkong.domain.features import buckets
from fengkong.domain.features.reducers.base import Reducer


class Count(Reducer):
    """Number of events in the window."""

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), 1, operator.add, self.keep)
        return state

    def retract(self, state: Any, ts: float, value: Any) -> Any:
        """Take one event back out of its own bucket (a reversal)."""
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), -1, operator.add, self.keep)
        return state

    def query(self, state: Any, ts: float) -> int:
        if not state:
            return 0
        lo, hi = self.window.span(ts)
        return int(buckets.fold(state, lo, hi, operator.add, 0))
