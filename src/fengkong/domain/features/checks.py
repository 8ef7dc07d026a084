"""The brute-force reference every windowed reducer must agree with (river's `checks` idea).

`expected(aggregate, window, earlier, at)` recomputes a feature from the full list of earlier
events, with no buckets and no state: slow, obviously right, and the oracle of the reducer
tests. `check_reducer` runs one stream through a reducer, serialising its state between events
as snapshots and Redis do, and compares every answer with the oracle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fengkong.domain.features.reducers.base import Reducer
from fengkong.domain.features.windows import Window

Stream = Sequence[tuple[float, Any]]  # (event time, value) in arrival order


def in_window(window: Window, event_ts: float, at: float) -> bool:
    """Whether an event at `event_ts` counts for a query at `at` (bucket resolution)."""
    lo, hi = window.span(at)
    return lo <= window.bucket(event_ts) <= hi


def expected(aggregate: str, window: Window, earlier: Stream, at: float) -> Any:
    """The value of `aggregate` over `window` for a query at `at`, from every earlier event."""
    inside = [(ts, v) for ts, v in earlier if in_window(window, ts, at)]
    values = [v for _, v in inside]
    folds: dict[str, Any] = {
        "count": lambda: len(inside),
        "sum": lambda: sum(values),
        "min": lambda: min(values) if values else None,
        "max": lambda: max(values) if values else None,
        "mean": lambda: Decimal(sum(values)) / len(values) if values else None,
        "distinct": lambda: len(set(values)),
    }
    if aggregate in folds:
        return folds[aggregate]()
    if aggregate == "first_seen":
        first = min((ts for ts, _ in earlier), default=None)
        return first if first is not None and first <= at else None
    before = [(ts, v) for ts, v in earlier if ts <= at]
    if not before:
        return None
    last_ts = max(ts for ts, _ in before)
    if window.kind != "lifetime" and not in_window(window, last_ts, at):
        return None
    if aggregate == "last_seen":
        return last_ts
    if aggregate == "since_last":
        return at - last_ts
    if aggregate == "last_value":
        return [v for ts, v in before if ts == last_ts][-1]  # among equal times, the last to arrive
    raise ValueError(f"no reference for aggregate {aggregate!r}")


def check_reducer(aggregate: str, reducer: Reducer, stream: Stream) -> None:
    """Feed `stream` to `reducer`; before each event its answer must equal `expected`.
    Raises AssertionError naming the aggregate, window and time of the first difference."""
    state: Any = None
    seen: list[tuple[float, Any]] = []
    for ts, value in stream:
        got = reducer.query(state, ts)
        want = expected(aggregate, reducer.window, seen, ts)
        if got != want:
            raise AssertionError(f"{aggregate} over {reducer.window.text} at {ts}: got {got!r}, expected {want!r}")
        state = reducer.update(state, ts, value)
        state = json.loads(json.dumps(state))  # the state survives serialisation (snapshots, Redis)
        seen.append((ts, value))
