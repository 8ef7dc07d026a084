"""Time functions. Times are epoch seconds; local means the Asia/Shanghai business clock."""

from __future__ import annotations

from typing import Any

from fengkong.domain import clock
from fengkong.domain.rules.functions import BOOL, NUMBER, TIME, register


@register("hour", (TIME,), NUMBER)
def hour(t: float) -> int:
    """Local hour of day, 0-23 (Asia/Shanghai)."""
    return clock.local_hour(t)


@register("minute_of_day", (TIME,), NUMBER)
def minute_of_day(t: float) -> int:
    """Local minutes since midnight, 0-1439."""
    return clock.local_minute_of_day(t)


@register("weekday", (TIME,), NUMBER)
def weekday(t: float) -> int:
    """Local day of week, 1 = Monday ... 7 = Sunday."""
    return clock.business_date(t).isoweekday()


@register("in_hours", (TIME, NUMBER, NUMBER), BOOL)
def in_hours(t: float, start: Any, end: Any) -> bool:
    """True if the local hour is in [start, end), wrapping midnight: in_hours(t, 23, 6)."""
    h = clock.local_hour(t)
    s, e = int(start), int(end)
    return s <= h < e if s <= e else (h >= s or h < e)


@register("as_days", (NUMBER,), NUMBER)
def as_days(seconds: Any) -> float:
    """A duration in seconds expressed in days."""
    return float(seconds) / 86_400


@register("as_hours", (NUMBER,), NUMBER)
def as_hours(seconds: Any) -> float:
    """A duration in seconds expressed in hours."""
    return float(seconds) / 3600


@register("as_minutes", (NUMBER,), NUMBER)
def as_minutes(seconds: Any) -> float:
    """A duration in seconds expressed in minutes."""
    return float(seconds) / 60
