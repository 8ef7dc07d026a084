"""The decision use case: validate, read features, evaluate rules, make it durable, update state.

Ordering is what makes the engine safe: a decision is computed from state as it was before the
event; the event and its decision are committed to the event log (the source of truth) before
anyone sees the decision; feature state is a fold over that log, so after a crash the engine
rebuilds exactly the state it had by replaying the log from its last checkpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from fengkong.domain.decisions import Decision, EventError, FieldError, Outcome
from fengkong.domain.events import Event, EventType
from fengkong.domain.features.featureset import KeyState
from fengkong.domain.limits import reference as reference_data
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.ports import (
    EventLog,
    IdentifierProtector,
    ReferenceChange,
    ReferenceStore,
    RejectedRecord,
    StateStore,
)
from fengkong.domain.rules.errors import RuleError
from fengkong.domain.rules.ruleset import RuleSet
from fengkong.domain.validation import EventValidator, parse_json_event, rejected_excerpt
from fengkong.services.controls_cache import ControlsCache
from fengkong.services.rules_admin import RuleRepository

RawEvent = Mapping[str, Any] | str | bytes
REPLAY_BATCH = 2000
# Transactions that take (part of) an earlier approved one back: its allowance returns.
REVERSING = frozenset({"reversal", "void", "refund"})


class InvalidEventError(ValueError):
    """Raised by `Engine.decide` for an event that failed validation (it was kept with its reason)."""

    def __init__(self, error: EventError):
        super().__init__(f"{error.first.field}: {error.first.message}")
        self.error = error


class ListSource(Protocol):
    def active_entries(self) -> list[ListEntry]: ...

    def stamp(self) -> int: ...


class RegistrySource(Protocol):
    def all(self, kind: str | None = None) -> list[tuple[str, str, dict[str, Any]]]: ...

    def stamp(self) -> int: ...


class TokenSource(Protocol):
    def tokens(self) -> list[dict[str, Any]]: ...

    def stamp(self) -> int: ...


def token_for_rules(record: dict[str, Any]) -> dict[str, Any]:
    """A payment token's status and controls as rules read them (money as Decimal)."""
    controls = record["controls"]
    return {"status": record["status"],
            **{k: Decimal(v) if k in ("per_use_max", "total_max") else v for k, v in controls.items()}}


class DecisionObserver(Protocol):
    """Receives every outcome (metrics, logs). Must be fast and must not raise."""

    def decided(self, event: Event, decision: Decision, faults: Sequence[str]) -> None: ...

    def rejected(self, error: EventError) -> None: ...

    def replayed(self, decision: Decision) -> None: ...


def _rejected_record(error: EventError, raw: RawEvent, item: RawEvent, received: str) -> RejectedRecord:
    size = len(item) if isinstance(item, str | bytes) else 0
    message = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
    return RejectedRecord(error.event_id, error.first.field, message, rejected_excerpt(raw), size, received)


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_json_safe(v) for v in value]
    return value


class Engine:
    """Events in, explained decisions out. Thread-safe; one writer at a time.

    >>> from fengkong import Engine
    >>> engine = Engine.embedded(":memory:")  # doctest: +SKIP
    >>> engine.decide({"event_id": "e1", "type": "login", "occurred_at": "2024-01-01T09:00:00+08:00",
    ...                "success": True}).decision  # doctest: +SKIP
    <Outcome.APPROVE: 'approve'>
    """

    def __init__(
        self,
        *,
        rules: RuleRepository,
        log: EventLog,
        state: StateStore,
        protector: IdentifierProtector,
        observer: DecisionObserver | None = None,
        snapshot_every: int = 200_000,
        reference: ReferenceStore | None = None,
        lists: ListSource | None = None,
        tokens: TokenSource | None = None,
        registry: RegistrySource | None = None,
    ):
        self.rules = rules
        self.log = log
        self.state = state
        self.reference_store = reference
        self.list_source = lists
        self.token_source = tokens
        self.registry_source = registry
        self.controls = ControlsCache(protector)
        # What the decision path reads besides feature state, each reloaded when its stamp moves.
        self._sources: dict[str, tuple[Callable[[], int], Callable[[], None]]] = {}
        if reference is not None:
            self._sources["reference"] = (reference.stamp, self._load_reference)
        if lists is not None:
            self._sources["lists"] = (lists.stamp, lambda: self.controls.load_lists(lists.active_entries()))
        if tokens is not None:
            self._sources["tokens"] = (tokens.stamp, lambda: setattr(
                self.controls, "tokens", {t["token"]: token_for_rules(t) for t in tokens.tokens()}))
        if registry is not None:
            self._sources["registry"] = (registry.stamp, lambda: self.controls.load_registry(registry.all()))
        self._stamps: dict[str, int] = {}
        self.refresh_reference()
        self.validator = EventValidator(protector)
        self.observer = observer
        self.snapshot_every = snapshot_every
        self._lock = threading.RLock()
        self._since_snapshot = 0
        self._last_seq = 0
        self.log.record_ruleset(self.ruleset.version, self.ruleset.files)
        self.recover()

    @staticmethod
    def embedded(path: str = "fengkong-data", **overrides: Any) -> Engine:
        """An engine on the embedded default (SQLite + in-process state) under `path`."""
        from fengkong.bootstrap import build_engine
        from fengkong.config import Settings

        return build_engine(Settings.embedded(path, **overrides))

    @property
    def ruleset(self) -> RuleSet:
        return self.rules.active

    # ------------------------------------------------------------------ deciding
    def decide(self, event: RawEvent, *, explain: bool = False) -> Decision:
        """Decide one event; durable before it returns. Raises InvalidEventError if invalid."""
        (result,) = self.decide_many([event], explain=explain)
        if isinstance(result, EventError):
            raise InvalidEventError(result)
        return result

    def decide_many(self, items: Iterable[RawEvent], *, explain: bool = False) -> list[Decision | EventError]:
        """Decide a batch in order, with one durable commit for the whole batch (group commit).

        State carries across the batch exactly as if the events came one by one.
        """
        with self._lock:
            return self._decide_batch(list(items), explain)

    def _parse(self, item: RawEvent) -> tuple[Event | EventError, RawEvent]:
        if isinstance(item, str | bytes):
            data, error = parse_json_event(item)
            if error is not None:
                return error, item
            assert data is not None
            return self.validator.validate(data, len(item)), data
        if isinstance(item, Event):
            return item, item.to_record()
        if not isinstance(item, Mapping):
            return EventError(None, (FieldError("(event)", "an event must be a JSON object"),)), {}
        return self.validator.validate(item), item

    def _decide_batch(self, items: list[RawEvent], explain: bool) -> list[Decision | EventError]:
        parsed: list[Event | EventError] = []
        parse_s: list[float] = []
        rejected: list[RejectedRecord] = []
        received = datetime.now(UTC).isoformat()
        for item in items:
            t0 = time.perf_counter()
            outcome, raw = self._parse(item)
            parse_s.append(time.perf_counter() - t0)
            parsed.append(outcome)
            if isinstance(outcome, EventError):
                rejected.append(_rejected_record(outcome, raw, item, received))
        valid = [e for e in parsed if isinstance(e, Event)]
        existing = self.log.find_decisions([e.event_id for e in valid]) if valid else {}
        ruleset = self.ruleset
        features = ruleset.features
        entity_keys = {}
        wanted: set[str] = set()
        for event in valid:
            if event.event_id not in existing:
                keys = entity_keys[id(event)] = features.keys_of(event)
                wanted.update(k for k in keys.values() if k is not None)
        states: dict[str, KeyState] = self.state.get_many(sorted(wanted)) if wanted else {}
        results: list[Decision | EventError] = []
        pending: list[tuple[Event, Decision]] = []
        decided_events: list[tuple[Event, Decision, Sequence[str]]] = []
        first_seen: dict[str, Decision] = {}
        batch_events: dict[str, tuple[Event, str]] = {}
        changed: set[str] = set()
        for i, outcome in enumerate(parsed):
            if isinstance(outcome, EventError):
                results.append(outcome)
                continue
            event = outcome
            prior = existing.get(event.event_id)
            if prior is not None:
                results.append(replace(Decision.from_dict(prior), replayed=True))
                continue
            if event.event_id in first_seen:
                results.append(replace(first_seen[event.event_id], replayed=True))
                continue
            t0 = time.perf_counter()
            keys = entity_keys[id(event)]
            view = features.view(event, keys, states, self.controls)
            verdict = ruleset.evaluate(event, view)
            trace = None
            if explain:
                trace = _json_safe({"features": view.computed(), "faults": list(verdict.faults)})
            changed.update(self._fold(event, keys, verdict.outcome.value, states, batch_events))
            batch_events[event.event_id] = (event, verdict.outcome.value)
            decision = Decision(
                event_id=event.event_id,
                decision=verdict.outcome,
                score=verdict.score,
                reasons=verdict.reasons,
                required_factors=verdict.required_factors,
                shadow_reasons=verdict.shadow_reasons,
                latency_ms=round((time.perf_counter() - t0 + parse_s[i]) * 1000, 4),
                ruleset_version=ruleset.version,
                policy_version=ruleset.policy_version,
            )
            pending.append((event, decision))
            if trace is not None:
                decision = replace(decision, trace=trace)
            decided_events.append((event, decision, verdict.faults))
            first_seen[event.event_id] = decision
            results.append(decision)
        if pending or rejected:
            try:
                last_seq = self.log.append(pending, rejected)
            except Exception:
                # In-process state already holds this batch; rebuild it from the log, which
                # does not, so state and log agree again before the error propagates.
                self.recover()
                raise
            if pending:
                self._last_seq = last_seq
                self.state.apply({k: states[k] for k in changed}, last_seq)
                self._since_snapshot += len(pending)
                if not self.state.durable and self._since_snapshot >= self.snapshot_every:
                    self.snapshot()
        if self.observer is not None:
            for event, decision, faults in decided_events:
                self.observer.decided(event, decision, faults)
            for result in results:
                if isinstance(result, EventError):
                    self.observer.rejected(result)
                elif result.replayed:
                    self.observer.replayed(result)
        return results

    def refuse(self, error: EventError, raw: RawEvent, size: int) -> None:
        """Keep an input refused before it reached `decide` (over-long line or body) with its reason."""
        record = _rejected_record(error, raw, b"", datetime.now(UTC).isoformat())
        with self._lock:
            self.log.append([], [replace(record, raw_size=size)])
        if self.observer is not None:
            self.observer.rejected(error)

    # ------------------------------------------------------------------ state lifecycle
    def recover(self) -> int:
        """Bring feature state in line with the event log; returns how many events were replayed."""
        with self._lock:
            features = self.ruleset.features
            fingerprint = features.fingerprint
            checkpoint = self.state.checkpoint(fingerprint)
            if checkpoint is None:
                snapshot = None if self.state.durable else self.log.load_snapshot(fingerprint)
                if snapshot is not None:
                    checkpoint, states = snapshot
                    self.state.load(states, checkpoint, fingerprint)
                else:
                    self.state.reset(fingerprint)
                    checkpoint = 0
            replayed = 0
            batch: dict[str, KeyState] = {}
            loaded: set[str] = set()
            recent: dict[str, tuple[Event, str]] = {}
            last = checkpoint
            for logged in self.log.replay(checkpoint):
                event = self.validator.validate(logged.record)
                if isinstance(event, EventError):  # cannot happen for our own records
                    continue
                keys = features.keys_of(event)
                missing = [k for k in keys.values() if k is not None and k not in loaded]
                if missing:
                    batch.update(self.state.get_many(missing))
                    loaded.update(missing)
                outcome = logged.decision.get("decision", Outcome.APPROVE.value)
                self._fold(event, keys, outcome, batch, recent)
                recent[event.event_id] = (event, outcome)
                last = logged.seq
                replayed += 1
                if replayed % REPLAY_BATCH == 0:
                    self.state.apply(batch, last)
                    batch, loaded, recent = {}, set(), {}
            if batch or last != checkpoint:
                self.state.apply(batch, last)
            self._last_seq = max(last, self.log.last_seq())
            return replayed

    def _fold(
        self, event: Event, keys: Any, outcome: str, states: dict[str, KeyState], recent: Mapping[str, tuple[Event, str]]
    ) -> set[str]:
        """Fold a decided event into feature state; an approved reversal also gives back what
        its original used, in the original's own buckets. The same code runs on replay."""
        features = self.ruleset.features
        changed = set(features.update(event, keys, outcome, states))
        fields = event.fields
        if (
            outcome == Outcome.APPROVE.value
            and event.type is EventType.TRANSACTION
            and fields.get("txn_type") in REVERSING
            and fields.get("original_event_id")
            and features.reversible
        ):
            changed.update(self._give_back(event, states, recent))
        return changed

    def _give_back(self, event: Event, states: dict[str, KeyState], recent: Mapping[str, tuple[Event, str]]) -> set[str]:
        original_id = str(event.fields["original_event_id"])
        found = recent.get(original_id)
        if found is None:
            logged = self.log.find_events([original_id]).get(original_id)
            if logged is None:
                return set()
            restored = self.validator.validate(logged.record)
            if isinstance(restored, EventError):
                return set()
            found = (restored, logged.decision.get("decision", ""))
        original, original_outcome = found
        if (
            original_outcome != Outcome.APPROVE.value
            or original.amount_fen is None
            or original.fields.get("txn_type") in REVERSING
        ):
            return set()
        marker_key = f"reversed|{original_id}"
        features = self.ruleset.features
        keys = features.keys_of(original)
        missing = [k for k in [marker_key, *keys.values()] if k is not None and k not in states]
        if missing:
            states.update(self.state.get_many(missing))
        marker = states.get(marker_key) or {"fen": 0, "n": 0}
        remaining = original.amount_fen - int(marker["fen"])
        if remaining <= 0:
            return set()
        partial = event.fields.get("txn_type") == "refund" and event.amount_fen is not None
        amount = min(event.amount_fen or 0, remaining) if partial else remaining
        full = int(marker["fen"]) + amount >= original.amount_fen and not marker["n"]
        changed = set(features.retract(original, keys, Outcome.APPROVE.value, amount, full, states))
        states[marker_key] = {"fen": int(marker["fen"]) + amount, "n": 1 if full else int(marker["n"])}
        changed.add(marker_key)
        return changed

    # ------------------------------------------------------------------ reference data
    def refresh_reference(self, force: bool = False) -> bool:
        """Reload limits, agreements, lists, tokens and registries if they changed elsewhere
        (the CLI, another node); returns whether anything was reloaded."""
        changed = False
        for name, (stamp_of, load) in self._sources.items():
            stamp = stamp_of()
            if force or stamp != self._stamps.get(name):
                load()
                self._stamps[name] = stamp
                changed = True
        return changed

    def _load_reference(self) -> None:
        assert self.reference_store is not None
        self.controls.reference_records = {
            reference_data.cache_key(kind, entity_id): reference_data.for_rules(record, kind)
            for (kind, entity_id), record in self.reference_store.load().items()
            if kind in reference_data.KINDS
        }

    def source_changed(self, source: str, stamp: int) -> None:
        """A change made through this process and already applied to the cache: do not reload it."""
        self._stamps[source] = stamp

    def set_reference(
        self, kind: str, entity_id: str, values: Mapping[str, Any] | None, actor: str, reason: str
    ) -> ReferenceChange:
        """Set (or with None, remove) a customer's limits or an account's transfer agreement.
        Takes effect on the next event; every change is kept with who, when and why."""
        if self.reference_store is None:
            raise RuntimeError("no reference store configured")
        if not actor.strip() or not reason.strip():
            raise reference_data.InvalidReference("actor" if not actor.strip() else "reason", "is required")
        record = None if values is None else reference_data.normalise(kind, values)
        if kind not in reference_data.KINDS:
            raise reference_data.InvalidReference("kind", f"unknown kind {kind!r}")
        with self._lock:
            change = self.reference_store.put(kind, entity_id, record, actor, reason)
            key = reference_data.cache_key(kind, entity_id)
            if record is None:
                self.controls.reference_records.pop(key, None)
            else:
                self.controls.reference_records[key] = reference_data.for_rules(record, kind)
            self._stamps["reference"] = self.reference_store.stamp()
        return change

    def get_reference(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        record = self.controls.reference_records.get(reference_data.cache_key(kind, entity_id))
        return None if record is None else {k: str(v) if isinstance(v, Decimal) else v for k, v in record.items()}

    def snapshot(self) -> None:
        """Save in-process state to the database so a restart replays only the tail of the log."""
        with self._lock:
            if self.state.durable:
                return
            self.log.save_snapshot(self.ruleset.features.fingerprint, self._last_seq, self.state.export())
            self._since_snapshot = 0

    def reload_rules(self) -> list[RuleError]:
        """Reload rule files. On any error the active rules stay; returns the errors."""
        with self._lock:
            candidate, errors = self.rules.reload()
            if candidate is None:
                return errors
            old_fingerprint = self.ruleset.features.fingerprint
            self.rules.activate(candidate)
            self.log.record_ruleset(candidate.version, candidate.files)
            if candidate.features.fingerprint != old_fingerprint:
                self.state.reset(candidate.features.fingerprint)
                self.recover()
            return []

    def close(self) -> None:
        with self._lock:
            if not self.state.durable and self._since_snapshot:
                self.snapshot()
            self.state.close()
            self.log.close()
            if self.reference_store is not None:
                self.reference_store.close()
            for source in (self.list_source, self.token_source, self.registry_source):
                closer = getattr(source, "close", None)
                if callable(closer):
                    closer()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
