"""Lookup features: not an aggregate of events but a value found for the entity at decision
time - a field of a reference record (a customer's own limits, an account's transfer agreement,
a cash-out disposition, a token, a terminal) or the list entry in force. They hold no state."""

from __future__ import annotations

from typing import Any

from fengkong.domain.features.spec import FeatureSpec
from fengkong.domain.ports import Lookups

# aggregate name -> what the feature needs besides `entity`
LOOKUPS: dict[str, tuple[str, ...]] = {
    "reference": ("source", "of"),  # source: the record kind; of: its field
    "listed": ("source",),  # source: the list type
}


def look_up(spec: FeatureSpec, key: str, ts: float, lookups: Lookups | None) -> Any:
    """The feature's value for the entity key `key` at event time `ts` (None when unknown)."""
    if lookups is None:
        return None
    if spec.aggregate == "reference":
        record = lookups.reference(spec.source or "", key)
        return None if record is None else record.get(spec.of or "")
    return lookups.listed(spec.source or "", key.split("|", 1)[1], ts)
