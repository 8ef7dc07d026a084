from __future__ import annotations

import operator
from typing import Any

from fengkong.domain.features.reducers.fold import ReversibleFold


class Count(ReversibleFold):
    """Number of events in the window."""

    merge = operator.add
    empty = 0

    def unit(self, value: Any) -> int:
        return 1
