from __future__ import annotations

import bisect
from typing import Any

from fengkong.domain.features.reducers.base import Reducer

MAX_RECENT = 32


class LastSeen(Reducer):
    """Time of the latest earlier event for the key (None if none, or older than the window).

    Keeps the timestamps within the allowed lateness of the newest, plus one older, so a late
    event still finds its true predecessor — at most MAX_RECENT of them, so a key that sees
    hundreds of events an hour stays small. Ties count as earlier (arrived first).
    """

    result_type = "time"

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        bisect.insort(state, ts)
        horizon = state[-1] - self.lateness_s
        cut = max(bisect.bisect_left(state, horizon) - 1, len(state) - MAX_RECENT)
        if cut > 0:
            del state[:cut]
        return state

    def previous(self, state: Any, ts: float) -> float | None:
        if not state:
            return None
        i = bisect.bisect_right(state, ts)
        if i == 0:
            return None
        last = float(state[i - 1])
        if self.window.kind != "lifetime":
            lo, _ = self.window.span(ts)
            if self.window.bucket(last) < lo:
                return None
        return last

    def query(self, state: Any, ts: float) -> Any:
        return self.previous(state, ts)


class SinceLast(LastSeen):
    """Seconds since the latest earlier event for the key (None if there was none)."""

    result_type = "number"

    def query(self, state: Any, ts: float) -> Any:
        last = self.previous(state, ts)
        return None if last is None else ts - last
