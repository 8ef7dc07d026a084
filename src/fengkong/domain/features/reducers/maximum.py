from __future__ import annotations

from typing import Any

from fengkong.domain.features.reducers.fold import BucketFold


def _max(acc: Any, value: Any) -> Any:
    return value if acc is None or value > acc else acc


class Maximum(BucketFold):
    """Largest value of a numeric field in the window (None when empty)."""

    needs_value = True
    numeric = True
    merge = _max
