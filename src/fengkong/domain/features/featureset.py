"""All features of a rule set: which state keys an event touches, values at decision time,
and the update after the decision. Pure: the caller loads and stores the states."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from fengkong.domain.events import Event
from fengkong.domain.features.spec import ENTITY_FIELDS, FeatureSpec

KeyState = dict[str, Any]
_CENT = Decimal("0.01")


def entity_key(entity: tuple[str, ...], event: Event) -> str | None:
    """State key of an entity (or entity pair) for this event, None if a part is missing."""
    fields = event.fields
    if len(entity) == 1:
        value = fields.get(ENTITY_FIELDS[entity[0]])
        return None if value is None else f"{entity[0]}|{value}"
    parts = []
    for kind in entity:
        value = fields.get(ENTITY_FIELDS[kind])
        if value is None:
            return None
        parts.append(str(value))
    return "+".join(entity) + "|" + "|".join(parts)


def field_value(event: Event, name: str) -> Any:
    if name == "amount":
        return event.amount_fen
    if name == "balance_after":
        value = event.fields.get(name)
        return None if value is None else int(value * 100)
    if name == "type":
        return event.type.value
    return event.fields.get(name)


class FeatureSet:
    def __init__(self, specs: list[FeatureSpec]):
        self.specs = {s.name: s for s in specs}
        groups: dict[tuple[str, ...], list[FeatureSpec]] = {}
        for spec in specs:
            groups.setdefault(spec.entity, []).append(spec)
        self._groups = groups
        digest = hashlib.sha256("\n".join(sorted(s.identity() for s in specs)).encode())
        self.fingerprint = digest.hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.specs)

    def keys_for(self, event: Event) -> list[str]:
        keys = []
        for entity in self._groups:
            key = entity_key(entity, event)
            if key is not None:
                keys.append(key)
        return keys

    def value(self, name: str, event: Event, states: Mapping[str, KeyState]) -> Any:
        """The feature's value for `event`, from state as it was before the event."""
        spec = self.specs[name]
        key = entity_key(spec.entity, event)
        if key is None:
            return None
        key_state = states.get(key)
        raw = spec.reducer.query(key_state.get(name) if key_state else None, event.ts)
        if spec.aggregate == "mean":
            if raw is None:
                return None
            total, count = raw
            if spec.is_money:
                return (Decimal(total) / 100 / count).quantize(_CENT)
            return Decimal(total) / count
        if spec.is_money and raw is not None:
            return Decimal(raw) / 100
        return raw

    def view(self, event: Event, states: Mapping[str, KeyState]) -> FeatureView:
        return FeatureView(self, event, states)

    def update(self, event: Event, outcome: str | None, states: dict[str, KeyState]) -> list[str]:
        """Fold the decided event into every feature whose filter accepts it; return changed keys."""
        changed = []
        for entity, specs in self._groups.items():
            key = entity_key(entity, event)
            if key is None:
                continue
            key_state = states.get(key)
            touched = False
            for spec in specs:
                if spec.where is not None and not spec.where(event, outcome):
                    continue
                value = None
                if spec.reducer.needs_value:
                    value = field_value(event, spec.of or "")
                    if value is None:
                        continue
                if key_state is None:
                    key_state = states[key] = {}
                key_state[spec.name] = spec.reducer.update(key_state.get(spec.name), event.ts, value)
                touched = True
            if touched:
                changed.append(key)
        return changed


class FeatureView(Mapping[str, Any]):
    """Lazy mapping of feature values: only features a matching rule reads are computed."""

    __slots__ = ("_set", "_event", "_states", "_cache")

    def __init__(self, feature_set: FeatureSet, event: Event, states: Mapping[str, KeyState]):
        self._set = feature_set
        self._event = event
        self._states = states
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            value = self._cache[name] = self._set.value(name, self._event, self._states)
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._set.specs)

    def __len__(self) -> int:
        return len(self._set.specs)

    def computed(self) -> dict[str, Any]:
        """The values read so far (for decision traces)."""
        return dict(self._cache)
