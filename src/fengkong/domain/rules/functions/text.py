"""Strings and lists."""

from __future__ import annotations

from typing import Any

from fengkong.domain.rules.functions import ANY, BOOL, NUMBER, STRING, register


@register("lower", (STRING,), STRING)
def lower(s: Any) -> str:
    """Lower-case copy."""
    return str(s).lower()


@register("upper", (STRING,), STRING)
def upper(s: Any) -> str:
    """Upper-case copy."""
    return str(s).upper()


@register("starts_with", (STRING, STRING), BOOL)
def starts_with(s: Any, prefix: Any) -> bool:
    """True if s begins with prefix."""
    return str(s).startswith(str(prefix))


@register("ends_with", (STRING, STRING), BOOL)
def ends_with(s: Any, suffix: Any) -> bool:
    """True if s ends with suffix."""
    return str(s).endswith(str(suffix))


@register("contains", (ANY, ANY), BOOL)
def contains(container: Any, item: Any) -> bool:
    """True if a list holds item, or a string holds the substring."""
    if isinstance(container, str):
        return str(item) in container
    return item in container if isinstance(container, list | tuple | set | frozenset) else False


@register("len", (ANY,), NUMBER)
def len_(x: Any) -> int:
    """Number of items in a list or characters in a string."""
    return len(x) if isinstance(x, str | list | tuple | dict) else 0
