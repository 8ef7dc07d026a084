from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from fengkong.domain.features import buckets
from fengkong.domain.features.reducers.base import Reducer


class BucketFold(Reducer):
    """A reducer that keeps one value per bucket and folds the window's buckets with `merge`.

    A subclass says what one event adds to its bucket (`unit`), how two bucket values merge,
    what an empty window answers, and how the folded value becomes the result (`finish`).
    """

    merge: ClassVar[Callable[[Any, Any], Any]]
    empty: ClassVar[Any] = None

    def unit(self, value: Any) -> Any:
        return value

    def finish(self, folded: Any) -> Any:
        return folded

    def update(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), self.unit(value), type(self).merge, self.keep)
        return state

    def query(self, state: Any, ts: float) -> Any:
        if not state:
            return self.finish(self.empty)
        lo, hi = self.window.span(ts)
        return self.finish(buckets.fold(state, lo, hi, type(self).merge, self.empty))


class ReversibleFold(BucketFold):
    """A fold that can take an event back out of the bucket of its own time (a reversal)."""

    def retract(self, state: Any, ts: float, value: Any) -> Any:
        state = state if state is not None else []
        buckets.add(state, self.window.bucket(ts), -self.unit(value), type(self).merge, self.keep)
        return state
