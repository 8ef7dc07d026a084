from __future__ import annotations

from typing import Any

from fengkong.domain.features.reducers.base import Reducer


class FirstSeen(Reducer):
    """Time (epoch seconds) of the earliest event ever seen for the key; None if none before."""

    result_type = "time"

    def update(self, state: Any, ts: float, value: Any) -> Any:
        return ts if state is None or ts < state else state

    def query(self, state: Any, ts: float) -> Any:
        return state if state is not None and state <= ts else None
