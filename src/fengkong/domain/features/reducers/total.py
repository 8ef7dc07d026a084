from __future__ import annotations

import operator

from fengkong.domain.features.reducers.fold import ReversibleFold


class Total(ReversibleFold):
    """Sum of a numeric field in the window (money summed as integer fen: exact)."""

    needs_value = True
    numeric = True
    merge = operator.add
    empty = 0
