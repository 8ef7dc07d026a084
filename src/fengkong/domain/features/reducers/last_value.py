from __future__ import annotations

import bisect
from typing import Any

from fengkong.domain.features.reducers.base import Reducer
from fengkong.domain.features.reducers.last_seen import MAX_RECENT


class LastValue(Reducer):
    """Value of a field at the latest earlier event (e.g. previous location), None if none.

    State: [[ts, value], ...] sorted by time, trimmed like `LastSeen` (at most MAX_RECENT).
    """

    needs_value = True
    carries_value = True
    result_type = "any"

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        times = [item[0] for item in state]
        state.insert(bisect.bisect_right(times, ts), [ts, value])
        horizon = state[-1][0] - self.lateness_s
        times = [item[0] for item in state]
        cut = max(bisect.bisect_left(times, horizon) - 1, len(state) - MAX_RECENT)
        if cut > 0:
            del state[:cut]
        return state

    def query(self, state: Any, ts: float) -> Any:
        if not state:
            return None
        times = [item[0] for item in state]
        i = bisect.bisect_right(times, ts)
        if i == 0:
            return None
        at, value = state[i - 1]
        if self.window.kind != "lifetime" and self.window.bucket(at) < self.window.span(ts)[0]:
            return None
        return value
