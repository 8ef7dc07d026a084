"""Geography: great-circle distance and travel speed between locations."""

from __future__ import annotations

import math
from typing import Any

from fengkong.domain.rules.functions import LOCATION, NUMBER, TIME, register

EARTH_RADIUS_KM = 6371.0088


def _coords(loc: Any) -> tuple[float, float] | None:
    if not isinstance(loc, dict):
        return None
    lat, lon = loc.get("lat"), loc.get("lon")
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)


@register("distance_km", (LOCATION, LOCATION), NUMBER)
def distance_km(a: Any, b: Any) -> float | None:
    """Great-circle (haversine) distance in km; null if either has no coordinates."""
    pa, pb = _coords(a), _coords(b)
    if pa is None or pb is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*pa, *pb))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@register("speed_kmh", (LOCATION, TIME, LOCATION, TIME), NUMBER)
def speed_kmh(a: Any, ta: Any, b: Any, tb: Any) -> float | None:
    """Speed needed to travel from a at time ta to b at time tb (km/h; a minute at least)."""
    km = distance_km(a, b)
    if km is None:
        return None
    hours = max(abs(float(tb) - float(ta)), 60.0) / 3600
    return float(km / hours)


@register("same_city", (LOCATION, LOCATION), "bool")
def same_city(a: Any, b: Any) -> bool | None:
    """True if both locations name the same city (case-insensitive); null if one lacks a city."""
    ca = a.get("city") if isinstance(a, dict) else None
    cb = b.get("city") if isinstance(b, dict) else None
    if not ca or not cb:
        return None
    return str(ca).casefold() == str(cb).casefold()


@register("country", (LOCATION,), "string")
def country(loc: Any) -> str | None:
    """ISO country code of a location (CN, MO, HK, ...); null if absent."""
    value = loc.get("country") if isinstance(loc, dict) else None
    return str(value) if value else None


@register("city", (LOCATION,), "string")
def city(loc: Any) -> str | None:
    """City name of a location; null if absent."""
    value = loc.get("city") if isinstance(loc, dict) else None
    return str(value) if value else None
