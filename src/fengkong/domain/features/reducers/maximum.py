from __future__ import annotations

from typing import Any

from fengkong.domain.features import buckets
from fengkong.domain.features.reducers.base import Reducer


def _max(acc: Any, value: Any) -> Any:
    return value if acc is None or value > acc else acc


class Maximum(Reducer):
    """Largest value of a numeric field in the window (None when empty)."""

    needs_value = True
    numeric = True

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), value, _max, self.keep)
        return state

    def query(self, state: Any, ts: float) -> Any:
        if not state:
            return None
        lo, hi = self.window.span(ts)
        return buckets.fold(state, lo, hi, _max, None)
