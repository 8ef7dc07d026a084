"""Sparse bucket lists: the storage shared by the windowed reducers.

A state is a flat list `[b0, v0, b1, v1, ...]` with ascending bucket numbers and only the buckets
that saw an event, so a card used twice a day holds a handful of numbers, not a ring of zeros.
Plain lists of ints keep the state JSON-ready for snapshots and Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def add(state: list[Any], bucket: int, value: Any, merge: Callable[[Any, Any], Any], keep: int) -> None:
    """Merge `value` into `bucket`, then drop buckets older than `keep` behind the newest."""
    n = len(state)
    if n == 0 or state[n - 2] < bucket:
        state.append(bucket)
        state.append(value)
    elif state[n - 2] == bucket:
        state[n - 1] = merge(state[n - 1], value)
    else:  # late event: walk back to its place (lists are short)
        i = n - 2
        while i >= 0 and state[i] > bucket:
            i -= 2
        if i >= 0 and state[i] == bucket:
            state[i + 1] = merge(state[i + 1], value)
        else:
            state[i + 2 : i + 2] = [bucket, value]
    oldest = state[-2] - keep
    cut = 0
    while cut < len(state) and state[cut] < oldest:
        cut += 2
    if cut:
        del state[:cut]


def fold(state: list[Any], lo: int, hi: int, step: Callable[[Any, Any], Any], acc: Any) -> Any:
    """Fold the values of buckets within [lo, hi], newest first."""
    i = len(state) - 2
    while i >= 0:
        b = state[i]
        if b < lo:
            break
        if b <= hi:
            acc = step(acc, state[i + 1])
        i -= 2
    return acc
