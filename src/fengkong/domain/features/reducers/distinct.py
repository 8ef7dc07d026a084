from __future__ import annotations

from typing import Any

from fengkong.domain.features.reducers.base import Reducer


class Distinct(Reducer):
    """Number of distinct values of a field in the window (exact up to `max_distinct`).

    State: {"m": newest bucket, "v": {value: [buckets it was seen in]}}. Values not seen within
    the retained buckets are dropped, so memory is bounded by the distinct values of one window;
    past `max_distinct` the least recently seen values are evicted and the count saturates.
    """

    needs_value = True

    def update(self, state: Any, ts: float, value: Any) -> Any:
        bucket = self.window.bucket(ts)
        key = str(value)
        if state is None:
            state = {"m": bucket, "v": {}}
        seen: dict[str, list[int]] = state["v"]
        marks = seen.get(key)
        if marks is None:
            seen[key] = [bucket]
        elif bucket not in marks:
            marks.append(bucket)
            marks.sort()
        if bucket > state["m"]:
            state["m"] = bucket
            self._prune(state)
        elif len(seen) > self.max_distinct:
            self._prune(state)
        return state

    def _prune(self, state: dict[str, Any]) -> None:
        oldest = state["m"] - self.keep
        seen: dict[str, list[int]] = state["v"]
        for key in list(seen):
            marks = [b for b in seen[key] if b >= oldest]
            if marks:
                seen[key] = marks
            else:
                del seen[key]
        if len(seen) > self.max_distinct:
            by_recency = sorted(seen, key=lambda k: seen[k][-1])
            for key in by_recency[: len(seen) - self.max_distinct]:
                del seen[key]

    def query(self, state: Any, ts: float) -> int:
        if not state:
            return 0
        lo, hi = self.window.span(ts)
        n = 0
        for marks in state["v"].values():
            for b in marks:
                if lo <= b <= hi:
                    n += 1
                    break
        return n

    def seen(self, state: Any, ts: float) -> dict[str, list[float]]:
        """Each value seen in the window, with the start times of the buckets it was seen in."""
        if not state:
            return {}
        found = {value: self.times(state, ts, value) for value in state["v"]}
        return {value: times for value, times in found.items() if times}

    def times(self, state: Any, ts: float, value: Any) -> list[float]:
        """The start times of the buckets in the window at `ts` where `value` was seen."""
        lo, hi = self.window.span(ts)
        width = self.window.resolution_s
        return [float(b * width) for b in state["v"].get(str(value), ()) if lo <= b <= hi]

    def contains(self, state: Any, ts: float, value: Any) -> bool:
        """Was `value` seen in the window? (used by `seen_before` style features)."""
        if not state:
            return False
        lo, hi = self.window.span(ts)
        marks = state["v"].get(str(value))
        return bool(marks) and any(lo <= b <= hi for b in marks)
