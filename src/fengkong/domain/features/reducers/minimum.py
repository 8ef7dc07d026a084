from __future__ import annotations

from typing import Any

from fengkong.domain.features.reducers.fold import BucketFold


def _min(acc: Any, value: Any) -> Any:
    return value if acc is None or value < acc else acc


class Minimum(BucketFold):
    """Smallest value of a numeric field in the window (None when empty)."""

    needs_value = True
    numeric = True
    merge = _min
