"""Deciding: events in, explained decisions out.

Ordering is what makes the engine safe: a decision is computed from state as it was before the
event; the event and its decision are committed to the event log (the source of truth) before
anyone sees the decision - in the same commit as the transfer index and the card numbers first
seen in the batch; feature state is a fold over that log, so after a crash the engine rebuilds
exactly the state it had by replaying the log from its last checkpoint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fengkong.domain.cards import SealedCard
from fengkong.domain.decisions import Decision, EventError, FieldError, Outcome, Reason
from fengkong.domain.errors import InputError, Unavailable
from fengkong.domain.events import Event, EventType
from fengkong.domain.factors import challenge_factors, floor_factors
from fengkong.domain.features.featureset import EntityKeys, FeatureSet, FeatureView, KeyState
from fengkong.domain.features.spec import LABELLED, LABELLED_FIELDS
from fengkong.domain.lifecycle import (
    FAILED,
    LIFECYCLE_TYPES,
    RESENT,
    Lifecycle,
    LifecyclePolicy,
    Transition,
    fold_outcome,
    hold_key,
)
from fengkong.domain.lists.compromise import Recall
from fengkong.domain.lists.index import ListEntry, ListIndex
from fengkong.domain.ports import (
    CardVault,
    DecisionObserver,
    EventLog,
    IdentifierProtector,
    Lookups,
    RejectedRecord,
    StateStore,
    TransferLog,
    UnitOfWork,
)
from fengkong.domain.rules.errors import RuleError
from fengkong.domain.rules.ruleset import RuleSet
from fengkong.domain.tracing import Transfer, transfer_of
from fengkong.domain.validation import EventValidator, parse_json_event, rejected_excerpt
from fengkong.services.rules import RuleRepository

log = logging.getLogger("fengkong.engine")


class BatchLookups:
    """The read model, plus the list entries this batch made (a confirmed label's): the batch's
    later events see them as the next batch's will, so answers do not depend on where a batch
    ends."""

    def __init__(self, base: Lookups):
        self.base = base
        self._made = ListIndex()

    def begin(self) -> None:
        self._made = ListIndex()

    def made(self, entries: Sequence[ListEntry]) -> None:
        for entry in entries:
            self._made.add(entry)

    def reference(self, kind: str, entity_key: str) -> Mapping[str, Any] | None:
        return self.base.reference(kind, entity_key)

    def has_entries(self, list_type: str) -> bool:
        return list_type in self._made.types or self.base.has_entries(list_type)

    def listed(self, list_type: str, value: str, ts: float) -> dict[str, Any] | None:
        if list_type in self._made.types:
            found = self._made.lookup(list_type, value, ts)
            if found is not None:
                return found
        return self.base.listed(list_type, value, ts)

    def shared(self, subject_type: str, subject_hash: str, risk_type: str | None, ts: float) -> dict[str, Any] | None:
        return self.base.shared(subject_type, subject_hash, risk_type, ts)


Received = Mapping[str, Any] | str | bytes  # what a sender sent
RawEvent = Received | Event  # an Event: made by fengkong itself, already valid
REPLAY_BATCH = 2000
# Transactions that take (part of) an earlier approved one back: its allowance returns.
REVERSING = frozenset({"reversal", "void", "refund"})
PENDING_OUTCOMES = frozenset({Outcome.STEP_UP.value, Outcome.REVIEW.value})


class InvalidEventError(InputError):
    """Raised by `Engine.decide` for an event that failed validation (it was kept with its reason)."""

    def __init__(self, error: EventError):
        super().__init__(error.first.field, error.first.message)
        self.error = error


def _rejected_record(error: EventError, raw: Received, item: RawEvent, received: str) -> RejectedRecord:
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


# The features a rule pack folds its account registry into (account_open events and imports):
# what fills in a payment that omits its account's kind or class.
ACCOUNT_REGISTRY = {
    "account_kind": "acct_registered_kind",
    "account_class": "acct_registered_class",
    "id_number_hash": "acct_registered_person",  # the person: their penalties reach all their accounts
    "shared_person_hash": "acct_registered_shared_person",  # the person as the consortium knows them
}
# The feature holding the account a card debits: what fills in a card-only debit's account.
CARD_LINK = "card_account"


class Engine:
    """Events in, explained decisions out. Thread-safe; one writer at a time.

    The constructor only keeps its collaborators; `open()` archives the rule set and brings
    feature state in line with the event log.

    >>> import fengkong
    >>> with fengkong.in_memory() as platform:
    ...     platform.engine.decide({"event_id": "e1", "type": "login",
    ...                             "occurred_at": "2024-01-01T09:00:00+08:00", "success": True}).decision
    <Outcome.APPROVE: 'approve'>
    """

    def __init__(
        self,
        *,
        rules: RuleRepository,
        log: EventLog,
        state: StateStore,
        transfers: TransferLog,
        cards: CardVault,
        protector: IdentifierProtector,
        lookups: Lookups,
        uow: UnitOfWork,
        observer: DecisionObserver | None = None,
        snapshot_every: int = 200_000,
        on_label: Callable[[Event, Recall], Sequence[ListEntry]] | None = None,
        consortium: IdentifierProtector | None = None,
    ):
        self.rules = rules
        self.log = log
        self.state = state
        self.transfers = transfers
        self.cards = cards
        self.lookups = BatchLookups(lookups)
        self.uow = uow
        self.validator = EventValidator(
            protector, cards, rates=lambda: self.rules.active.fx_rates, consortium=consortium
        )
        self._key_version = protector.version
        self.observer = observer
        self.snapshot_every = snapshot_every
        # What a decided feedback event changes besides features (lists), in the same commit;
        # never on replay: what it made is stored already.
        self.on_label = on_label
        self._lock = threading.RLock()
        self._since_snapshot = 0
        self._last_seq = 0
        self._opened = False

    def open(self) -> Engine:
        """Archive the active rule set and replay what feature state has not seen yet. Done by
        the first decision if nobody did it before (commands that only administer skip it)."""
        with self._lock:
            if not self._opened:
                self.log.record_ruleset(self.ruleset.version, self.ruleset.files)
                self.recover()
                self._opened = True
        return self

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
            if not self._opened:
                self.open()
            return self._decide_batch(list(items), explain)

    def _parse(self, item: RawEvent) -> tuple[Event | EventError, Received]:
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
        ruleset = self.ruleset
        features = ruleset.features
        results: list[Decision | EventError] = []
        pending: list[tuple[Event, Decision]] = []
        decided: list[tuple[Event, Decision, Sequence[str]]] = []
        changed: set[str] = set()
        states: dict[str, KeyState] = {}
        settled: list[tuple[str, str]] = []  # transfers whose outcome changed (for the tracing index)
        self.lookups.begin()
        try:
            with self.uow.atomic():  # the idempotency check and the append see one database
                existing = self.log.find_decisions([e.event_id for e in valid]) if valid else {}
                self._attach_labelled([e for e in valid if e.event_id not in existing])
                lifecycle = self._lifecycle(states)
                entity_keys: dict[int, EntityKeys] = {}
                wanted: set[str] = set()
                for event in valid:
                    if event.event_id not in existing:
                        keys = entity_keys[id(event)] = features.keys_of(event)
                        wanted.update(k for k in keys.values() if k is not None)
                        wanted.update(lifecycle.keys_for(event))
                lifecycle.fetch(sorted(wanted))
                first_seen: dict[str, Decision] = {}
                batch_events: dict[str, tuple[Event, str]] = {}
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
                    changed |= self._prepare(lifecycle, event, states, batch_events, settled)
                    decision, trace, faults = self._answer(event, keys, states, lifecycle, batch_events, explain)
                    changed |= self._advance(lifecycle, event, keys, decision, states, batch_events, settled)
                    if self.on_label is not None and LABELLED in event.fields:
                        self.lookups.made(self.on_label(event, self._recall(features, states)))
                    decision = replace(
                        decision,
                        latency_ms=round((time.perf_counter() - t0 + parse_s[i]) * 1000, 4),
                        ruleset_version=ruleset.version,
                        policy_version=ruleset.policy_version,
                    )
                    pending.append((event, decision))
                    if trace is not None:
                        decision = replace(decision, trace=trace)
                    decided.append((event, decision, faults))
                    first_seen[event.event_id] = decision
                    results.append(decision)
                self._commit(pending, rejected, settled)
        except Exception:
            if pending:
                # In-process state may already hold this batch; rebuild it from the log, which
                # does not, so state and log agree again before the error propagates.
                self.recover()
            raise
        finally:
            self.lookups.begin()  # the read model has what the commit made (or nothing)
        if pending:
            self.state.apply({k: states[k] for k in changed if k in states}, self._last_seq)
            self._since_snapshot += len(pending)
            if not self.state.durable and self._since_snapshot >= self.snapshot_every:
                self.snapshot()
        self._notify(decided, results)
        return results

    def _lifecycle(self, states: dict[str, KeyState]) -> Lifecycle:
        """The lifecycle over these states, with the policy's deadlines."""

        def load(keys: list[str]) -> None:
            states.update(self.state.get_many(keys))

        policy = self.ruleset.policy_values
        return Lifecycle(
            LifecyclePolicy(
                float(policy.get("challenge_minutes", 5)) * 60, float(policy.get("review_timeout_hours", 24)) * 3600
            ),
            load,
        )

    def _answer(
        self,
        event: Event,
        keys: EntityKeys,
        states: dict[str, KeyState],
        lifecycle: Lifecycle,
        recent: Mapping[str, tuple[Event, str]],
        explain: bool,
    ) -> tuple[Decision, dict[str, Any] | None, Sequence[str]]:
        """The decision for a new event: the lifecycle answers its own events and resends of a
        payment whose challenge is open; the rules answer the rest."""
        if event.type in LIFECYCLE_TYPES:
            return lifecycle.answer(event, states, lambda target: self._blocked(target, event.ts, recent)), None, ()
        resend = lifecycle.resend(event, states)
        if resend is not None:
            original, challenge = resend
            reason = Reason(
                "CHALLENGE_OPEN",
                "lifecycle.challenge",
                "该交易的验证尚未完成，请完成同一验证",
                f"Payment {original} is waiting for this challenge: answer it, not a new one",
                Outcome.STEP_UP,
                40.0,
            )
            return (
                Decision(
                    event.event_id,
                    Outcome.STEP_UP,
                    40.0,
                    (reason,),
                    challenge.required_factors,
                    challenge=challenge,
                    resend_of=original,
                ),
                None,
                (),
            )
        view = self.ruleset.features.view(event, keys, states, self.lookups)
        if event.type is EventType.TRANSACTION:
            if self._link_account(event, view):  # now the account's orders and limits apply
                view = self._rekey(event, keys, states)
            if self._complete_account(event, view):  # and the person's
                view = self._rekey(event, keys, states)
            if event.fields["txn_type"] in REVERSING:
                event.fields["original_match"] = self._match_original(event, recent)
        verdict = self.ruleset.evaluate(event, view)
        trace = _json_safe({"features": view.computed(), "faults": list(verdict.faults)}) if explain else None
        decision = Decision(
            event.event_id,
            verdict.outcome,
            verdict.score,
            verdict.reasons,
            verdict.required_factors,
            verdict.shadow_reasons,
        )
        if verdict.outcome is Outcome.STEP_UP:
            presented = event.fields.get("auth_factors") or ()
            asked = verdict.required_factors or self._floor(event, presented)
            factors = challenge_factors(asked, presented, verdict.distrusted)
            if factors:
                decision = replace(
                    decision, required_factors=factors, challenge=lifecycle.challenge_for(event, factors)
                )
            else:  # nothing a customer could present answers this risk: a person looks at it
                reason = Reason(
                    "STEP_UP_UNANSWERABLE",
                    "lifecycle.challenge",
                    "无可用的验证方式化解该风险，转人工审核",
                    "No verification the customer could give answers this risk: held for review",
                    Outcome.REVIEW,
                    verdict.score,
                )
                decision = replace(
                    decision, decision=Outcome.REVIEW, reasons=(reason, *verdict.reasons), required_factors=()
                )
        return decision, trace, verdict.faults

    def _link_account(self, event: Event, view: Mapping[str, Any]) -> bool:
        """A card-only debit is its account's debit: the account comes from the card↔account
        link (CARD_LINK), so a stop-payment, freeze or penalty on the account stops it too."""
        fields = event.fields
        if fields.get("account_id") is not None or fields.get("card_id") is None:
            return False
        if CARD_LINK not in self.ruleset.features.specs:
            return False
        account = view[CARD_LINK]
        if account is None:
            return False
        fields["account_id"] = account
        fields["account_filled_from"] = "card"
        return True

    def _rekey(self, event: Event, keys: EntityKeys, states: dict[str, KeyState]) -> FeatureView:
        """The event gained an entity (its account, its person): its keys, their state, a new view."""
        features = self.ruleset.features
        keys.update(features.keys_of(event))
        self._load(keys.values(), states)
        return features.view(event, keys, states, self.lookups)

    def _recall(self, features: FeatureSet, states: dict[str, KeyState]) -> Recall:
        """What a label's consequences may read of the state: the values a distinct feature saw
        for an entity key (e.g. the terminals a counterfeit card used before its fraud)."""

        def recall(name: str, key: str, ts: float) -> dict[str, list[float]]:
            if name not in features.specs:
                return {}
            self._load([key], states)
            return features.visits(name, key, states, ts)

        return recall

    def _load(self, keys: Iterable[str | None], states: dict[str, KeyState]) -> None:
        """Bring the state of `keys` not in this batch's `states` yet (one round trip)."""
        missing = [k for k in keys if k is not None and k not in states]
        if missing:
            states.update(self.state.get_many(missing))

    def _complete_account(self, event: Event, view: Mapping[str, Any]) -> bool:
        """A payment that does not say its account's kind or class is judged by what the account
        registry knows (its `account_open` or import, folded into the features named in
        ACCOUNT_REGISTRY), never skipped. Filled in before the rules and the fold see the event,
        so the log keeps it (with `account_filled_from`) and a replay folds the same."""
        fields = event.fields
        if fields.get("account_id") is None:
            return False
        filled = []
        for field, feature in ACCOUNT_REGISTRY.items():
            if fields.get(field) is None and feature in self.ruleset.features.specs:
                value = view[feature]
                if value is not None:
                    fields[field] = value
                    filled.append(field)
        if filled:
            fields.setdefault("account_filled_from", "registry")
        return "id_number_hash" in filled

    def _match_original(self, event: Event, recent: Mapping[str, tuple[Event, str]]) -> str:
        """Where money coming back goes, against the payment it undoes: `original_instrument`
        (exempt from the fraud rules for money leaving), or why not - refund abuse sends it to
        another card or account, without an original, or more than was paid. Kept in the log."""
        original_id = event.fields.get("original_event_id")
        if original_id is None:
            return "no_original"
        found = self._original(str(original_id), recent)
        if found is None:
            return "original_unknown"
        original = found[0]
        if original.type is not EventType.TRANSACTION or original.fields.get("txn_type") in REVERSING:
            return "not_a_payment"
        for field in ("card_id", "account_id"):
            mine, theirs = event.fields.get(field), original.fields.get(field)
            if mine is not None and theirs is not None:
                if mine != theirs:
                    return "other_instrument"
                break
        if event.amount_fen is not None and original.amount_fen is not None and event.amount_fen > original.amount_fen:
            return "exceeds_original"
        return "original_instrument"

    def _floor(self, event: Event, presented: Sequence[str]) -> tuple[str, ...]:
        """The factors a step-up that names none asks: two classes, and a certificate for an
        amount above what two classes may pay in a day (43号 art. 24)."""
        limit = self.ruleset.policy_values.get("two_class_daily")
        big = limit is not None and event.amount_fen is not None and event.amount_fen > int(Decimal(str(limit)) * 100)
        return floor_factors(presented, certificate=big)

    def _blocked(self, target_id: str, ts: float, recent: Mapping[str, tuple[Event, str]]) -> Reason | None:
        """An order placed on the payment's account or card while the customer was answering."""
        target = self._original(target_id, recent)
        if target is None:
            return None
        event = target[0]
        for list_type, field in (
            ("stop_payment", "account_id"),
            ("freeze", "account_id"),
            ("involved_account", "account_id"),
            ("card", "card_id"),
        ):
            value = event.fields.get(field)
            entry = None if value is None else self.lookups.listed(list_type, str(value), ts)
            if entry is not None:
                outcome = Outcome.STOP_PAYMENT if list_type in ("stop_payment", "freeze") else Outcome.REJECT
                return Reason(
                    "ORDER_PLACED_MEANWHILE",
                    "lifecycle.challenge",
                    f"验证期间账户已被列入{list_type}（{entry['reason']}）",
                    f"While the customer was answering, {field} was put on the {list_type} list ({entry['reason']})",
                    outcome,
                    90.0,
                )
        return None

    def _attach_labelled(self, events: list[Event]) -> None:
        """A feedback event carries, from its arrival on, what the event it labels was (its
        entities, amount, type and time): features that follow labels count it on those entities
        by the feedback's own time. Kept in its record, so a replay counts it exactly so; only the
        engine sets it (a caller's `labelled` field is dropped)."""
        wanted: list[str] = []
        for event in events:
            event.fields.pop(LABELLED, None)
            if event.type is EventType.FEEDBACK:
                wanted.append(str(event.fields["target_event_id"]))
        if not wanted:
            return
        position = {id(e): i for i, e in enumerate(events)}
        by_id = {e.event_id: e for e in events}
        stored = self.log.find_events([t for t in wanted if t not in by_id])
        for event in events:
            if event.type is not EventType.FEEDBACK:
                continue
            target_id = str(event.fields["target_event_id"])
            target = by_id.get(target_id)
            if target is not None and position[id(target)] < position[id(event)]:
                record = target.to_record()
            elif target_id in stored:
                record = stored[target_id].record
            else:
                continue  # labels an event not (yet) seen: kept, counted nowhere
            event.fields[LABELLED] = {
                name: str(record[name]) if name == "amount" else record[name]
                for name in LABELLED_FIELDS
                if record.get(name) is not None
            } | {"event_id": target_id}

    def _prepare(
        self,
        lifecycle: Lifecycle,
        event: Event,
        states: dict[str, KeyState],
        recent: Mapping[str, tuple[Event, str]],
        settled: list[tuple[str, str]] | None,
    ) -> set[str]:
        """Before an event is decided (and replayed): end the holds whose deadline its time has
        passed, and the held payment it answers by being resent with the factors asked for."""
        transitions, changed = lifecycle.sweep(event.ts, states)
        superseded, touched = lifecycle.supersede(event, states)
        for transition in [*transitions, *superseded]:
            changed |= self._transition(transition, states, recent, settled, lifecycle)
        return changed | touched

    def _advance(
        self,
        lifecycle: Lifecycle,
        event: Event,
        keys: EntityKeys,
        decision: Decision,
        states: dict[str, KeyState],
        recent: dict[str, tuple[Event, str]],
        settled: list[tuple[str, str]] | None,
    ) -> set[str]:
        """Everything a decided event changes in the fold, live and on replay alike: what it does
        to an earlier payment, its own features, and the hold it opens."""
        changed: set[str] = set()
        if event.type in LIFECYCLE_TYPES:
            transitions, touched = lifecycle.resolve(event, decision, states)
            changed |= touched
            for transition in transitions:
                changed |= self._transition(transition, states, recent, settled, lifecycle)
            if event.type is EventType.PAYMENT_OUTCOME and event.fields["outcome"] in ("cancelled", "returned"):
                changed |= self._give_back(str(event.fields["target_event_id"]), None, states, recent, lifecycle)
        outcome = fold_outcome(decision)
        changed |= self._fold(event, keys, outcome, states, recent, lifecycle)
        recent[event.event_id] = (event, outcome)
        changed |= lifecycle.open(event, decision, states)
        return changed

    def _commit(
        self, pending: list[tuple[Event, Decision]], rejected: list[RejectedRecord], settled: list[tuple[str, str]]
    ) -> None:
        """Everything a batch writes, in the caller's unit of work: the events with their
        decisions, the transfer index (and transfers whose held outcome ended), and the card
        numbers first seen (encrypted)."""
        if not pending and not rejected:
            return
        last_seq = self.log.append(pending, rejected)
        moves: list[tuple[Transfer, str]] = []
        sealed: list[SealedCard] = []
        for event, decision in pending:
            move = transfer_of(event)
            if move is not None:
                moves.append((move, fold_outcome(decision)))
            sealed.extend(event.sealed)
        self.transfers.record(moves)
        for event_id, outcome in settled:
            self.transfers.settle(event_id, outcome)
        self.cards.store(sealed)
        if pending:
            self._last_seq = last_seq

    def _notify(
        self, decided: list[tuple[Event, Decision, Sequence[str]]], results: list[Decision | EventError]
    ) -> None:
        if self.observer is None:
            return
        for event, decision, faults in decided:
            self.observer.decided(event, decision, faults)
        for result in results:
            if isinstance(result, EventError):
                self.observer.rejected(result)
            elif result.replayed:
                self.observer.replayed(result)

    def refuse(self, error: EventError, raw: Received, size: int) -> None:
        """Keep an input refused before it reached `decide` (over-long line or body) with its reason."""
        record = _rejected_record(error, raw, b"", datetime.now(UTC).isoformat())
        with self._lock, self.uow.atomic():  # no open() needed: nothing is decided
            self.log.append([], [replace(record, raw_size=size)])
        if self.observer is not None:
            self.observer.rejected(error)

    # ------------------------------------------------------------------ held payments
    def holds(self) -> list[tuple[str, dict[str, Any]]]:
        """The held payments waiting for an answer (a challenge result, an analyst, a deadline)."""
        with self._lock:
            if not self._opened:
                self.open()
            states: dict[str, KeyState] = {}
            return self._lifecycle(states).open_holds(states)

    def hold(self, event_id: str) -> dict[str, Any] | None:
        """A held payment's record (open or how it ended), None if it was never held."""
        with self._lock:
            if not self._opened:
                self.open()
            return self.state.get_many([hold_key(event_id)]).get(hold_key(event_id))

    # ------------------------------------------------------------------ state lifecycle
    def recover(self) -> int:
        """Bring feature state in line with the event log; returns how many events were replayed."""
        with self._lock:
            features = self.ruleset.features
            fingerprint = self._state_fingerprint(features.fingerprint)
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
            lifecycle = self._lifecycle(batch)
            recent: dict[str, tuple[Event, str]] = {}
            last = checkpoint
            for logged in self.log.replay(checkpoint):
                event = self.validator.validate(logged.record, trusted=True)
                if isinstance(event, EventError):  # cannot happen for our own records
                    continue
                keys = features.keys_of(event)
                lifecycle.fetch([k for k in keys.values() if k is not None])
                self._prepare(lifecycle, event, batch, recent, None)
                self._advance(lifecycle, event, keys, Decision.from_dict(logged.decision), batch, recent, None)
                last = logged.seq
                replayed += 1
                if replayed % REPLAY_BATCH == 0:
                    self.state.apply(batch, last)
                    batch, recent = {}, {}
                    lifecycle = self._lifecycle(batch)
            if batch or last != checkpoint:
                self.state.apply(batch, last)
            self._last_seq = max(last, self.log.last_seq())
            return replayed

    def _fold(
        self,
        event: Event,
        keys: EntityKeys,
        outcome: str,
        states: dict[str, KeyState],
        recent: Mapping[str, tuple[Event, str]],
        lifecycle: Lifecycle,
    ) -> set[str]:
        """Fold a decided event into feature state; an approved reversal also gives back what
        its original used, in the original's own buckets. The same code runs on replay."""
        changed = set(self.ruleset.features.update(event, keys, outcome, states))
        if outcome == Outcome.APPROVE.value:
            changed |= self._undo_original(event, states, recent, lifecycle)
        return changed

    def _undo_original(
        self, event: Event, states: dict[str, KeyState], recent: Mapping[str, tuple[Event, str]], lifecycle: Lifecycle
    ) -> set[str]:
        """A reversal, void or refund that went through gives back what its original used."""
        fields = event.fields
        if event.type is not EventType.TRANSACTION or fields.get("txn_type") not in REVERSING:
            return set()
        if not fields.get("original_event_id"):
            return set()
        partial = fields.get("txn_type") == "refund" and event.amount_fen is not None
        return self._give_back(
            str(fields["original_event_id"]), event.amount_fen if partial else None, states, recent, lifecycle
        )

    def _original(self, event_id: str, recent: Mapping[str, tuple[Event, str]]) -> tuple[Event, str] | None:
        """An earlier event with the outcome it was folded with: from this batch, or the log."""
        found = recent.get(event_id)
        if found is not None:
            return found
        logged = self.log.find_events([event_id]).get(event_id)
        if logged is None:
            return None
        restored = self.validator.validate(logged.record, trusted=True)
        if isinstance(restored, EventError):
            return None
        return restored, fold_outcome(logged.decision)

    def _transition(
        self,
        transition: Transition,
        states: dict[str, KeyState],
        recent: Mapping[str, tuple[Event, str]],
        settled: list[tuple[str, str]] | None,
        lifecycle: Lifecycle,
    ) -> set[str]:
        """An earlier payment's effective outcome changed: its features follow (and, live, the
        tracing index learns whether its money moved). A held refund or reversal that goes
        through gives back what its original used, as one approved at once does."""
        found = self._original(transition.event_id, recent)
        if found is None:
            return set()
        original = found[0]
        features = self.ruleset.features
        keys = features.keys_of(original)
        self._load(keys.values(), states)
        if settled is not None and transfer_of(original) is not None:
            settled.append((original.event_id, transition.new))
        changed = set(features.transition(original, keys, transition.old, transition.new, states))
        if transition.new == Outcome.APPROVE.value:
            changed |= self._undo_original(original, states, recent, lifecycle)
        return changed

    def _give_back(
        self,
        original_id: str,
        amount_fen: int | None,
        states: dict[str, KeyState],
        recent: Mapping[str, tuple[Event, str]],
        lifecycle: Lifecycle,
    ) -> set[str]:
        """A reversal, refund or cancellation gives back what its original counted - all of it, or
        `amount_fen` of it (a partial refund) - once, whatever the mix of partial and full ones."""
        found = self._original(original_id, recent)
        if found is None:
            return set()
        original, given = found
        effective = lifecycle.effective(original_id, given, states)
        if (
            effective in (Outcome.REJECT.value, Outcome.STOP_PAYMENT.value, RESENT, FAILED)
            or effective in PENDING_OUTCOMES  # a held payment's money has not moved: nothing to give back
            or original.amount_fen is None
            or original.fields.get("txn_type") in REVERSING
            or not self.ruleset.features.reversible
        ):
            return set()
        marker_key = f"reversed|{original_id}"
        features = self.ruleset.features
        keys = features.keys_of(original)
        self._load([marker_key, *keys.values()], states)
        marker = states.get(marker_key) or {"fen": 0, "n": 0}
        remaining = original.amount_fen - int(marker["fen"])
        if remaining <= 0:
            return set()
        amount = remaining if amount_fen is None else min(amount_fen, remaining)
        full = int(marker["fen"]) + amount >= original.amount_fen and not marker["n"]
        changed = set(features.transition(original, keys, effective, Outcome.REJECT.value, states, amount, full))
        states[marker_key] = {"fen": int(marker["fen"]) + amount, "n": 1 if full else int(marker["n"])}
        changed.add(marker_key)
        return changed

    def _state_fingerprint(self, features: str) -> str:
        """What feature state was built for: the features and the identifier-hash key version
        its entity keys were made with (state from before a rotation is rebuilt, not reused)."""
        return features if self._key_version == 1 else f"{features}.k{self._key_version}"

    def snapshot(self) -> None:
        """Save in-process state to the database so a restart replays only the tail of the log."""
        with self._lock:
            if self.state.durable:
                return
            self.log.save_snapshot(
                self._state_fingerprint(self.ruleset.features.fingerprint), self._last_seq, self.state.export()
            )
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
                self.state.reset(self._state_fingerprint(candidate.features.fingerprint))
                self.recover()
            return []

    def close(self) -> None:
        """Save a final snapshot of in-process state (the stores are closed by their owner). A
        snapshot only saves replay time: one the database refuses is skipped, not raised."""
        with self._lock:
            if not self.state.durable and self._since_snapshot:
                try:
                    self.snapshot()
                except Unavailable as exc:
                    log.warning("no final snapshot of feature state: %s", exc)
