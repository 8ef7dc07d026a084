from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from fengkong.domain.features import buckets
from fengkong.domain.features.reducers.base import Reducer
from fengkong.domain.features.windows import Window


class BucketFold(Reducer):
    """A reducer that keeps one value per bucket and folds the window's buckets with `merge`.

    A subclass says what one event adds to its bucket (`unit`), how two bucket values merge,
    what an empty window answers, and how the folded value becomes the result (`finish`).
    `unit` and `finish` default to the value itself, and then cost no call on the hot path.
    """

    merge: ClassVar[Callable[[Any, Any], Any]]
    empty: ClassVar[Any] = None

    def __init__(self, window: Window, lateness_s: int, max_distinct: int = 1000):
        super().__init__(window, lateness_s, max_distinct)
        cls = type(self)
        self._merge = cls.merge
        self._unit = None if cls.unit is BucketFold.unit else self.unit
        self._finish = None if cls.finish is BucketFold.finish else self.finish

    def unit(self, value: Any) -> Any:
        return value

    def finish(self, folded: Any) -> Any:
        return folded

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        unit = self._unit
        buckets.add(state, self.window.bucket(ts), value if unit is None else unit(value), self._merge, self.keep)
        return state

    def query(self, state: Any, ts: float) -> Any:
        if state:
            lo, hi = self.window.span(ts)
            folded = buckets.fold(state, lo, hi, self._merge, self.empty)
        else:
            folded = self.empty
        return folded if self._finish is None else self._finish(folded)


class ReversibleFold(BucketFold):
    """A fold that can take an event back out of the bucket of its own time (a reversal)."""

    def retract(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), -self.unit(value), self._merge, self.keep)
        return state
