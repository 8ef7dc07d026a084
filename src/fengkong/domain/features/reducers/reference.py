from __future__ import annotations

from typing import Any

from fengkong.domain.features.reducers.base import Reducer


class Reference(Reducer):
    """Not an aggregate of events: a field of a reference record (a customer's own limits, an
    account's transfer agreement) looked up by the entity key. It holds no state of its own."""

    result_type = "any"

    def update(self, state: Any, ts: float, value: Any) -> Any:
        raise TypeError("reference features are not updated by events")

    def query(self, state: Any, ts: float) -> Any:
        raise TypeError("reference features are read from reference data")
