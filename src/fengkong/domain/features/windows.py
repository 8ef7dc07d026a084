"""Windows map an event time to a bucket number and say how many buckets they span.

Sliding windows ("10m", "24h", "365d") cover the `n` most recent buckets of width `resolution`
ending with the bucket of the event: counts are exact over those buckets and the far edge is at
bucket resolution (by default at most 1/30 of the window). Calendar windows ("today", "month",
"year") are one bucket of the Asia/Shanghai business calendar; "lifetime" (alias "since_open")
is one bucket forever.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from fengkong.domain import clock

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
_DURATION = re.compile(r"^(\d+)([smhdw])$")
# Candidate resolutions, coarsest first: the first giving >= 30 buckets is the default.
_RESOLUTIONS = (86_400, 3600, 600, 60, 10, 1)
MAX_SLIDING_SECONDS = 400 * 86_400


class WindowError(ValueError):
    pass


def parse_duration(text: str) -> int:
    """'10m' -> 600 seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise WindowError(f"{text!r} is not a duration like 90s, 10m, 24h, 30d or 2w")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True, slots=True)
class Window:
    text: str
    kind: str  # sliding | day | month | year | lifetime
    length_s: int
    resolution_s: int
    n_buckets: int

    def bucket(self, ts: float) -> int:
        if self.kind == "sliding":
            return int(ts // self.resolution_s)
        if self.kind == "day":
            return clock.business_day_number(ts)
        if self.kind == "month":
            return clock.business_month_number(ts)
        if self.kind == "year":
            return clock.business_year(ts)
        return 0

    def lateness_buckets(self, lateness_s: int) -> int:
        """How many buckets before the newest must be kept to accept events this late."""
        if self.kind == "sliding":
            return math.ceil(lateness_s / self.resolution_s)
        return 0 if self.kind == "lifetime" else 1

    def span(self, ts: float) -> tuple[int, int]:
        """Bucket range [lo, hi] that the window covers for an event at `ts`."""
        hi = self.bucket(ts)
        return hi - self.n_buckets + 1, hi


def parse_window(text: str, resolution: str | None = None) -> Window:
    name = text.strip().lower()
    if name in ("today", "day", "business_day"):
        return Window(name, "day", 86_400, 86_400, 1)
    if name in ("month", "calendar_month"):
        return Window(name, "month", 31 * 86_400, 31 * 86_400, 1)
    if name in ("year", "calendar_year"):
        return Window(name, "year", 366 * 86_400, 366 * 86_400, 1)
    if name in ("lifetime", "since_open", "all"):
        return Window(name, "lifetime", 0, 0, 1)
    length = parse_duration(name)
    if length < 1 or length > MAX_SLIDING_SECONDS:
        raise WindowError(f"window {text!r} must be between 1s and 400d")
    if resolution is not None:
        res = parse_duration(resolution)
        if res > length or length % res:
            raise WindowError(f"resolution {resolution!r} must divide window {text!r}")
    else:
        res = next((r for r in _RESOLUTIONS if length % r == 0 and length // r >= 30), 1)
    return Window(name, "sliding", length, res, length // res)
