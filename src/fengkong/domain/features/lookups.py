"""Lookup features: not an aggregate of events but a value found for the entity at decision
time - a field of a reference record (a customer's own limits, an account's transfer agreement,
a cash-out disposition, a token, a terminal) or the list entry in force. They hold no state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fengkong.domain.features.spec import FeatureSpec
from fengkong.domain.ports import Lookups
from fengkong.domain.sharing.entities import SHARED_ENTITIES

# aggregate name -> what the feature needs besides `entity`
LOOKUPS: dict[str, tuple[str, ...]] = {
    "reference": ("source", "of"),  # source: the record kind; of: its field
    "listed": ("source",),  # source: the list type
    # source: a list type; of: a `distinct` feature of the same entity holding the ids it visited
    # (e.g. the terminals a card used): the entry of a visited entity listed after the visit
    "listed_visit": ("source", "of"),
    # source: a list type; of: `<record kind>.<field>`, a field of the entity's reference record
    # naming related ids (a merchant's linked merchants, its outsourcing provider): the entry in
    # force of one of them
    "listed_linked": ("source", "of"),
    # entity: a shared_* entity (a subject by its consortium hash); source: a risk type or `any`:
    # what member institutions reported about it by event time (domain/sharing/summary.py)
    "shared": ("source",),
    # source: a risk type or `any`; of: the record kind of the entity that keeps its consortium
    # hashes (a merchant: its owner, licence, settlement account): what members reported about
    # any of them by event time, the one most institutions reported, with `via` (its subject type)
    "shared_registered": ("source", "of"),
}
ANY_RISK = "any"


def visited_listed(
    spec: FeatureSpec,
    visited: Iterable[str],
    times_of: Callable[[str], list[float]],
    ts: float,
    lookups: Lookups | None,
) -> dict[str, Any] | None:
    """Of the entities visited (their ids; `times_of` gives the times of an id's visits), the list
    entry in force at `ts` put on one after a visit to it, newest first: e.g. a terminal found to
    be a common point of compromise after this card used it. The entry gains `visited` (the id)
    and `visited_at` (the last visit before the entry started). Times are read only for listed ids."""
    if lookups is None:
        return None
    found: dict[str, Any] | None = None
    for value in visited:
        entry = lookups.listed(spec.source or "", value, ts)
        if entry is None:
            continue
        before = [t for t in times_of(value) if t <= entry["since"]]
        if before and (found is None or entry["since"] > found["since"]):
            found = {**entry, "visited": value, "visited_at": max(before)}
    return found


def look_up(spec: FeatureSpec, key: str, ts: float, lookups: Lookups | None) -> Any:
    """The feature's value for the entity key `key` at event time `ts` (None when unknown)."""
    if lookups is None:
        return None
    if spec.aggregate == "reference":
        record = lookups.reference(spec.source or "", key)
        return None if record is None else record.get(spec.of or "")
    if spec.aggregate == "shared":
        subject_type = SHARED_ENTITIES[spec.entity[0]][0]
        risk_type = None if spec.source == ANY_RISK else spec.source
        return lookups.shared(subject_type, key.split("|", 1)[1], risk_type, ts)
    if spec.aggregate == "listed_linked":
        return linked_listed(spec, key, ts, lookups)
    if spec.aggregate == "shared_registered":
        return registered_shared(spec, key, ts, lookups)
    return lookups.listed(spec.source or "", key.split("|", 1)[1], ts)


def linked_listed(spec: FeatureSpec, key: str, ts: float, lookups: Lookups) -> dict[str, Any] | None:
    """The list entry in force at `ts` of an id the entity's record relates it to, with `linked`
    (that id) and `via` (what links them, when the record says)."""
    if not lookups.has_entries(spec.source or ""):
        return None
    kind, _, field = (spec.of or "").partition(".")
    record = lookups.reference(kind, key)
    if record is None:
        return None
    related = record.get(field)
    ids = [related] if isinstance(related, str) else list(related or ())
    via = record.get("via") or {}
    for value in sorted(ids):
        entry = lookups.listed(spec.source or "", value, ts)
        if entry is not None:
            return {**entry, "linked": value, "via": ", ".join(via.get(value, [])) or field.replace("_", " ")}
    return None


def registered_shared(spec: FeatureSpec, key: str, ts: float, lookups: Lookups) -> dict[str, Any] | None:
    """What members reported about the subjects an entity's record names by consortium hash
    (`shared_*_hash` fields), by `ts`: the summary most other institutions stand behind."""
    record = lookups.reference(spec.of or "", key)
    if record is None:
        return None
    risk_type = None if spec.source == ANY_RISK else spec.source
    best: dict[str, Any] | None = None
    for subject_type, field in sorted(set(SHARED_ENTITIES.values())):
        digest = record.get(field)
        found = lookups.shared(subject_type, digest, risk_type, ts) if isinstance(digest, str) and digest else None
        if found is not None and (best is None or found["others"] > best["others"]):
            best = {**found, "via": subject_type}
    return best
