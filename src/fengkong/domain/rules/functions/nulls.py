"""Dealing with missing values (null)."""

from __future__ import annotations

from typing import Any

from fengkong.domain.rules.functions import ANY, BOOL, register


@register("coalesce", (ANY, ANY), ANY, variadic=True, null_aware=True)
def coalesce(*xs: Any) -> Any:
    """The first argument that is not null."""
    return next((x for x in xs if x is not None), None)


@register("is_null", (ANY,), BOOL, null_aware=True)
def is_null(x: Any) -> bool:
    """True if the value is missing."""
    return x is None


@register("present", (ANY,), BOOL, null_aware=True)
def present(x: Any) -> bool:
    """True if the value is there."""
    return x is not None


@register("choose", (BOOL, ANY, ANY), ANY, null_aware=True)
def choose(condition: Any, if_true: Any, if_false: Any) -> Any:
    """if_true when the condition holds, else if_false: choose(is_null(f.x), 10, 0)."""
    return if_true if condition else if_false
