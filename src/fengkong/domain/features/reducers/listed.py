from __future__ import annotations

from typing import Any

from fengkong.domain.features.reducers.base import Reducer


class Listed(Reducer):
    """Not an aggregate of events: the list entry in force for the entity at the event's time
    (reason, source, case_number, authority, until, amount, count), or null."""

    result_type = "any"

    def update(self, state: Any, ts: float, value: Any) -> Any:
        raise TypeError("list features are not updated by events")

    def query(self, state: Any, ts: float) -> Any:
        raise TypeError("list features are read from the list index")
