"""All features of a rule set: which state keys an event touches, values at decision time,
and the update after the decision. Pure: the caller loads and stores the states."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fengkong.domain.events import Event, EventType
from fengkong.domain.features.lookups import look_up, visited_listed
from fengkong.domain.features.reducers.distinct import Distinct
from fengkong.domain.features.spec import ENTITY_FIELDS, KEYED_BY, LABELLED, FeatureSpec
from fengkong.domain.ports import Lookups

KeyState = dict[str, Any]
Entity = tuple[str, ...]
EntityKeys = dict[Entity, str | None]
LABELLED_PREFIX = LABELLED + ":"


def entity_key(entity: Entity, event: Event) -> str | None:
    """State key of an entity (or entity pair) for this event, None if a part is missing."""
    fields = event.fields
    if len(entity) == 2 and entity[1].startswith(LABELLED_PREFIX):  # a label on another event's entity
        labelled = fields.get(LABELLED)
        found = labelled.get(ENTITY_FIELDS[entity[1][len(LABELLED_PREFIX) :]]) if isinstance(labelled, dict) else None
        return None if found is None else f"{entity[0]}|{found}"
    if len(entity) == 2 and entity[1].startswith(KEYED_BY):  # another field naming the same thing
        value = fields.get(ENTITY_FIELDS[entity[1][len(KEYED_BY) :]])
        return None if value is None else f"{entity[0]}|{value}"
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
    if name == "labelled_amount":
        labelled = event.fields.get(LABELLED)
        amount = labelled.get("amount") if isinstance(labelled, dict) else None
        return None if amount is None else int(Decimal(str(amount)) * 100)
    return event.fields.get(name)


class FeatureSet:
    def __init__(self, specs: list[FeatureSpec]):
        self.specs = {s.name: s for s in specs}
        self.entities: tuple[Entity, ...] = tuple(
            dict.fromkeys([*(s.entity for s in specs), *(s.fold_entity for s in specs if s.labelled or s.keyed_by)])
        )
        # Per event type (and a transaction's type), the features whose filter can accept it,
        # grouped by entity: the update loop never evaluates a filter that statically cannot match.
        self._plans: dict[tuple[str, Any], list[tuple[Entity, list[FeatureSpec]]]] = {}
        self.reversible = [s for s in specs if s.reversible]
        self._windowed = windowed = [s for s in specs if s.kind == "windowed"]
        # What stored state means: lookups hold none, so adding one does not invalidate state.
        digest = hashlib.sha256("\n".join(sorted(s.identity() for s in windowed)).encode())
        self.fingerprint = digest.hexdigest()[:16]

    def _plan(self, event: Event) -> list[tuple[Entity, list[FeatureSpec]]]:
        txn_type = event.fields.get("txn_type") if event.type is EventType.TRANSACTION else None
        key = (event.type.value, txn_type)
        plan = self._plans.get(key)
        if plan is None:
            groups: dict[Entity, list[FeatureSpec]] = {}
            for spec in self._windowed:
                if spec.event_types is not None and key[0] not in spec.event_types:
                    continue
                if spec.txn_types is not None and txn_type not in spec.txn_types:
                    continue
                groups.setdefault(spec.fold_entity, []).append(spec)
            plan = self._plans[key] = list(groups.items())
        return plan

    def __len__(self) -> int:
        return len(self.specs)

    def keys_of(self, event: Event) -> EntityKeys:
        """State key of every entity this rule set tracks, for one event (computed once)."""
        return {entity: entity_key(entity, event) for entity in self.entities}

    def value(
        self,
        name: str,
        event: Event,
        keys: EntityKeys,
        states: Mapping[str, KeyState],
        lookups: Lookups | None = None,
    ) -> Any:
        """The feature's value for `event`, from state as it was before the event."""
        spec = self.specs[name]
        key = keys[spec.entity]
        if key is None:
            return None
        reducer = spec.reducer
        if reducer is None:
            if spec.aggregate == "listed_visit":
                if lookups is None or not lookups.has_entries(spec.source or ""):
                    return None  # nothing listed: the visits need not be read
                return self._visited_listed(spec, key, states, event.ts, lookups)
            return look_up(spec, key, event.ts, lookups)
        key_state = states.get(key)
        raw = reducer.query(key_state.get(name) if key_state else None, event.ts)
        if spec.is_money and raw is not None:
            return reducer.yuan(raw)  # exact yuan
        return raw

    def _visited_listed(
        self, spec: FeatureSpec, key: str, states: Mapping[str, KeyState], ts: float, lookups: Lookups
    ) -> dict[str, Any] | None:
        name = spec.of or ""
        reducer = self.specs[name].reducer
        key_state = states.get(key)
        raw = key_state.get(name) if key_state else None
        if not isinstance(reducer, Distinct) or not raw:
            return None
        return visited_listed(spec, raw["v"], lambda value: reducer.times(raw, ts, value), ts, lookups)

    def visits(self, name: str, key: str, states: Mapping[str, KeyState], ts: float) -> dict[str, list[float]]:
        """The values a `distinct` feature saw for an entity key in its window at `ts`, with the
        start times of the buckets each was seen in (e.g. the terminals a card used, and when)."""
        reducer = self.specs[name].reducer
        key_state = states.get(key)
        if not isinstance(reducer, Distinct) or not key_state:
            return {}
        return reducer.seen(key_state.get(name), ts)

    def view(
        self,
        event: Event,
        keys: EntityKeys,
        states: Mapping[str, KeyState],
        lookups: Lookups | None = None,
    ) -> FeatureView:
        return FeatureView(self, event, keys, states, lookups)

    def transition(
        self,
        event: Event,
        keys: EntityKeys,
        old: str,
        new: str,
        states: dict[str, KeyState],
        amount_fen: int | None = None,
        full: bool = True,
    ) -> list[str]:
        """An earlier event's outcome changed (a hold released or declined, a challenge passed or
        expired, a payment reversed or cancelled): fold it into the features whose filter accepts
        the new outcome but not the old, and take it back out of the reversible ones that accepted
        the old but not the new - in the buckets of the event's own time.

        Taking back gives `amount_fen` (default: the whole amount) to sums and, when `full`, one to
        counts; features that cannot give back (a distinct count, a last value) keep what they saw.
        """
        changed = []
        verdicts: dict[tuple[str, str], bool] = {}

        def accepts(spec: FeatureSpec, outcome: str) -> bool:
            if spec.where is None:
                return True
            key = (spec.where_text, outcome)
            if key not in verdicts:
                verdicts[key] = spec.where(event, outcome)
            return verdicts[key]

        for entity, specs in self._plan(event):
            key = keys[entity]
            if key is None:
                continue
            touched = False
            for spec in specs:
                before, after = accepts(spec, old), accepts(spec, new)
                if before == after:
                    continue
                reducer = spec.reducer
                assert reducer is not None  # the plan holds windowed features only
                key_state = states.get(key)
                if key_state is None:
                    key_state = states[key] = {}
                if after:  # counted now: fold it in as it would have been
                    value = field_value(event, spec.of or "") if reducer.needs_value else None
                    if reducer.needs_value and value is None:
                        continue
                    key_state[spec.name] = reducer.update(key_state.get(spec.name), event.ts, value)
                elif spec.reversible and (spec.aggregate != "count" or full):
                    if spec.aggregate == "count":
                        value = 1
                    elif spec.of == "amount":
                        value = (event.amount_fen or 0) if amount_fen is None else amount_fen
                    else:
                        value = field_value(event, spec.of or "")
                        if value is None:
                            continue
                    key_state[spec.name] = reducer.retract(key_state.get(spec.name), event.ts, value)
                else:
                    continue
                touched = True
            if touched:
                changed.append(key)
        return changed

    def update(self, event: Event, keys: EntityKeys, outcome: str | None, states: dict[str, KeyState]) -> list[str]:
        """Fold the decided event into every feature whose filter accepts it; return changed keys."""
        changed = []
        ts = event.ts
        verdicts: dict[str, bool] = {}  # features often share a filter: evaluate each once
        for entity, specs in self._plan(event):
            key = keys[entity]
            if key is None:
                continue
            key_state = states.get(key)
            touched = False
            for spec in specs:
                if spec.where is not None:
                    accepted = verdicts.get(spec.where_text)
                    if accepted is None:
                        accepted = verdicts[spec.where_text] = spec.where(event, outcome)
                    if not accepted:
                        continue
                reducer = spec.reducer
                assert reducer is not None  # the plan holds windowed features only
                value = None
                if reducer.needs_value:
                    value = field_value(event, spec.of or "")
                    if value is None:
                        continue
                if key_state is None:
                    key_state = states[key] = {}
                key_state[spec.name] = reducer.update(key_state.get(spec.name), ts, value)
                touched = True
            if touched:
                changed.append(key)
        return changed


class FeatureView(dict[str, Any]):
    """Lazy mapping of feature values: only features a matching rule reads are computed, once."""

    __slots__ = ("_set", "_event", "_keys", "_states", "_lookups")

    def __init__(
        self,
        feature_set: FeatureSet,
        event: Event,
        keys: EntityKeys,
        states: Mapping[str, KeyState],
        lookups: Lookups | None = None,
    ):
        super().__init__()
        self._set = feature_set
        self._event = event
        self._keys = keys
        self._states = states
        self._lookups = lookups

    def __missing__(self, name: str) -> Any:
        value = self[name] = self._set.value(name, self._event, self._keys, self._states, self._lookups)
        return value

    def computed(self) -> dict[str, Any]:
        """The values read so far (for decision traces)."""
        return dict(self)
