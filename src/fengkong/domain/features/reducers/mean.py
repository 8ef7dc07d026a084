from __future__ import annotations

from typing import Any

from fengkong.domain.features import buckets
from fengkong.domain.features.reducers.base import Reducer


def _merge(a: list[Any], b: list[Any]) -> list[Any]:
    return [a[0] + b[0], a[1] + b[1]]


class Mean(Reducer):
    """Average of a numeric field in the window; kept as (sum, count) per bucket so it is exact."""

    needs_value = True
    numeric = True

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), [value, 1], _merge, self.keep)
        return state

    def query(self, state: Any, ts: float) -> Any:
        """Returns [sum, count] (None when empty); the feature layer turns it into a mean."""
        if not state:
            return None
        lo, hi = self.window.span(ts)
        total = buckets.fold(state, lo, hi, _merge, [0, 0])
        return total if total[1] else None
