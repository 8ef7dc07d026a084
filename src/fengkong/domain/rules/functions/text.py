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


@register("join", (ANY,), STRING)
def join(items: Any) -> str:
    """A list's items as text, comma-separated (for messages): join(["m-1", "m-2"]) is "m-1, m-2"."""
    if isinstance(items, str):
        return items
    return ", ".join(str(i) for i in items) if isinstance(items, list | tuple | set | frozenset) else ""


@register("code_in", (STRING, ANY), BOOL)
def code_in(code: Any, ranges: Any) -> bool:
    """True if a numeric code (an MCC) is one of the codes or inclusive ranges listed:
    code_in(event.mcc, ["3000-3350", "4511"]). A missing code is in none.

    >>> code_in("3512", ["3501-3999", "7011"]), code_in("5812", ["3501-3999", "7011"])
    (True, False)
    """
    if code is None or not str(code).isdigit():
        return False
    value = int(str(code))
    for item in ranges or ():
        low, _, high = str(item).partition("-")
        if low.isdigit() and int(low) <= value <= int(high if high.isdigit() else low):
            return True
    return False
