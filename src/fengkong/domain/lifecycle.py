"""The decision lifecycle (contract v1.1): a step-up waits for its challenge's result, a review
for an analyst or the core system, and until then the payment's amount is reserved against every
limit. Held payments end when answered or, on event time, when their deadline passes.

All of it is a fold over the event log, kept in the feature state beside the features: a held
payment is a record under `hold|<event id>`, an open challenge is findable by the payment's
resend fingerprint, and deadlines sit in minute buckets listed in one clock record. Replaying the
log rebuilds the same records, so a restart answers exactly as before.

A payment's *effective outcome* is what feature filters see as its `decision`: the outcome it was
given (`step_up`, `review`: reserved), then `approve` once passed, released or completed (spent,
and its device, payee, place become known) or `reject` once failed, expired, declined or
cancelled (nothing). When it changes, the features whose filter tells the two apart are folded
forward or taken back (FeatureSet.transition).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fengkong.domain import clock
from fengkong.domain.decisions import PENDING, Challenge, Decision, Outcome, Reason
from fengkong.domain.events import Event, EventType
from fengkong.domain.factors import satisfied

LIFECYCLE_TYPES = frozenset({EventType.CHALLENGE_RESULT, EventType.PAYMENT_OUTCOME, EventType.HOLD_RESOLUTION})
SPENT = Outcome.APPROVE.value
FREED = Outcome.REJECT.value
# A challenge failed or expired: refused like a rejection (counts nothing against limits), and
# told apart so that features can count repeated failures on a customer, device or IP.
FAILED = "challenge_failed"
RESENT = "resent"  # a resend given an open challenge again: counts as an attempt, reserves nothing
CLOCK = "lifecycle|clock"

States = MutableMapping[str, Any]
Fetch = Callable[[list[str]], None]  # loads the named state keys into the states of the batch


@dataclass(frozen=True, slots=True)
class LifecyclePolicy:
    challenge_ttl_s: float = 300.0  # a challenge expires 5 minutes after the payment (event time)
    review_timeout_s: float = 86_400.0  # an unresolved review is declined after 24 hours


@dataclass(frozen=True, slots=True)
class Transition:
    """The effective outcome of an earlier payment changes."""

    event_id: str
    old: str
    new: str


def hold_key(event_id: str) -> str:
    return f"hold|{event_id}"


def _challenge_key(fingerprint: str) -> str:
    return f"challenge|{fingerprint}"


def _bucket_key(minute: int) -> str:
    return f"deadlines|{minute}"


def challenge_id(event_id: str) -> str:
    """Stable for the event that raised it, so that a replay names the same challenge."""
    return "chl_" + hashlib.sha256(event_id.encode()).hexdigest()[:24]


def fingerprint(event: Event) -> str | None:
    """What makes a payment a resend of another: the same kind of payment by the same customer
    from the same account to the same counterparty or merchant, for the same amount."""
    if event.type is not EventType.TRANSACTION or event.amount_fen is None:
        return None
    f = event.fields
    parts = (
        f.get("txn_type"),
        f.get("customer_id"),
        f.get("card_id") or f.get("account_id"),  # the card first: a card-only debit gets its account filled in
        f.get("counterparty_account_id") or f.get("merchant_id"),
        event.amount_fen,
    )
    return "|".join("" if p is None else str(p) for p in parts)


def fold_outcome(decision: Decision | dict[str, Any]) -> str:
    """What the features see as the `decision` of the event itself when it is folded."""
    if isinstance(decision, Decision):
        return RESENT if decision.resend_of else decision.decision.value
    return RESENT if decision.get("resend_of") else str(decision.get("decision", SPENT))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, clock.SHANGHAI).isoformat()


def _reason(code: str, rule: str, zh: str, en: str, outcome: Outcome, score: float = 0.0) -> Reason:
    return Reason(code, f"lifecycle.{rule}", zh, en, outcome, score)


class Lifecycle:
    """The held payments and open challenges, over the states of one batch (or replay)."""

    def __init__(self, policy: LifecyclePolicy, load: Fetch):
        self.policy = policy
        self._load = load
        self._asked: set[str] = set()  # keys loaded already (or known absent)

    def fetch(self, keys: list[str]) -> None:
        """Load the keys not loaded yet (one round trip for all of them)."""
        todo = [k for k in keys if k not in self._asked]
        if todo:
            self._asked.update(todo)
            self._load(todo)

    def keys_for(self, event: Event) -> list[str]:
        """The records this event may read, to load with the batch's feature state."""
        keys = [CLOCK, hold_key(event.event_id)]
        target = event.fields.get("target_event_id")
        if event.type in LIFECYCLE_TYPES and target:
            keys.append(hold_key(str(target)))
        print_ = fingerprint(event)
        if print_ is not None:
            keys.append(_challenge_key(print_))
        return keys

    def _get(self, states: States, key: str) -> Any:
        if key not in states:
            self.fetch([key])
        return states.get(key)

    def effective(self, event_id: str, given: str, states: States) -> str:
        """The payment's effective outcome: the one given, or where its hold has gone since."""
        hold = self._get(states, hold_key(event_id))
        return given if hold is None else str(hold["e"])

    def open_holds(self, states: States) -> list[tuple[str, dict[str, Any]]]:
        """Every held payment still waiting, soonest deadline first."""
        table = self._get(states, CLOCK) or {"b": []}
        found: list[tuple[str, dict[str, Any]]] = []
        for minute in table["b"]:
            for event_id in self._get(states, _bucket_key(minute)) or []:
                hold = self._get(states, hold_key(event_id))
                if hold is not None and hold["s"] == "open" and hold["dl"] // 60 == minute:
                    found.append((event_id, hold))
        return sorted(found, key=lambda item: item[1]["dl"])

    # ------------------------------------------------------------------ opening
    def resend(self, event: Event, states: States) -> tuple[str, Challenge] | None:
        """The payment whose challenge is still open for this one's fingerprint, and it."""
        print_ = fingerprint(event)
        if print_ is None:
            return None
        found = self._get(states, _challenge_key(print_))
        if not found or found["e"] == event.event_id:
            return None
        hold = self._get(states, hold_key(found["e"]))
        if hold is None or hold["s"] != "open" or event.ts > hold["dl"]:
            return None
        return found["e"], Challenge(hold["ch"], tuple(hold["rf"]), iso(hold["dl"]))

    def supersede(self, event: Event, states: States) -> tuple[list[Transition], set[str]]:
        """A resend that presents the factors its payment's open challenge asks for is the
        answer in the v1 way: the held original ends (freeing what it reserved) and the resend is
        decided on its own. Run before the resend is decided, live and on replay alike."""
        found = self.resend(event, states)
        if found is None or not satisfied(event.fields.get("auth_factors") or (), found[1].required_factors):
            return [], set()
        original = found[0]
        print_ = fingerprint(event)
        states[_challenge_key(str(print_))] = {"e": event.event_id}  # the original's challenge is closed
        hold = self._get(states, hold_key(original))
        return [self._end(original, hold, "superseded", FREED, states)], {
            hold_key(original),
            _challenge_key(str(print_)),
        }

    def challenge_for(self, event: Event, factors: tuple[str, ...]) -> Challenge:
        return Challenge(challenge_id(event.event_id), factors, iso(event.ts + self.policy.challenge_ttl_s))

    def open(self, event: Event, decision: Decision, states: States) -> set[str]:
        """A pending decision opens a hold (a resend opens none: the original's hold stands)."""
        if decision.decision not in PENDING or decision.resend_of:
            return set()
        step_up = decision.decision is Outcome.STEP_UP
        deadline = event.ts + (self.policy.challenge_ttl_s if step_up else self.policy.review_timeout_s)
        challenge = decision.challenge
        hold: dict[str, Any] = {
            "o": decision.decision.value,
            "e": decision.decision.value,
            "s": "open",
            "dl": deadline,
            "ch": challenge.challenge_id if challenge else None,
            "rf": list(challenge.required_factors) if challenge else [],
            "ans": {},
        }
        states[hold_key(event.event_id)] = hold
        changed = {hold_key(event.event_id), *self._schedule(event.event_id, deadline, states)}
        print_ = fingerprint(event)
        if step_up and print_ is not None:
            states[_challenge_key(print_)] = {"e": event.event_id}
            changed.add(_challenge_key(print_))
        return changed

    def _schedule(self, event_id: str, deadline: float, states: States) -> set[str]:
        minute = int(deadline // 60)
        bucket_key = _bucket_key(minute)
        bucket = self._get(states, bucket_key) or []
        states[bucket_key] = [*bucket, event_id]
        table = self._get(states, CLOCK) or {"b": []}
        if minute not in table["b"]:
            table = {"b": sorted([*table["b"], minute])}
            states[CLOCK] = table
            return {bucket_key, CLOCK}
        return {bucket_key}

    # ------------------------------------------------------------------ ending
    def sweep(self, ts: float, states: States) -> tuple[list[Transition], set[str]]:
        """End every open hold whose deadline is at or before `ts` (event time): a challenge
        expires, a review times out as declined."""
        table = self._get(states, CLOCK)
        if not table or not table["b"] or table["b"][0] > ts // 60:
            return [], set()
        transitions: list[Transition] = []
        changed: set[str] = set()
        minutes = list(table["b"])
        while minutes and minutes[0] <= ts // 60:
            minute = minutes[0]
            bucket_key = _bucket_key(minute)
            waiting = []
            for event_id in self._get(states, bucket_key) or []:
                hold = self._get(states, hold_key(event_id))
                if hold is None or hold["s"] != "open" or hold["dl"] // 60 != minute:
                    continue  # ended already, or rescheduled to another minute
                if hold["dl"] > ts:
                    waiting.append(event_id)
                    continue
                step_up = hold["o"] == Outcome.STEP_UP.value
                ended = "expired" if step_up else "timed_out"
                transitions.append(self._end(event_id, hold, ended, FAILED if step_up else FREED, states))
                changed.add(hold_key(event_id))
            states[bucket_key] = waiting
            changed.add(bucket_key)
            if waiting:
                break
            minutes.pop(0)
        states[CLOCK] = {"b": minutes}
        changed.add(CLOCK)
        return [t for t in transitions if t.old != t.new], changed

    def _end(self, event_id: str, hold: dict[str, Any], state: str, effective: str, states: States) -> Transition:
        old = str(hold["e"])
        states[hold_key(event_id)] = {**hold, "s": state, "e": effective}
        return Transition(event_id, old, effective)

    # ------------------------------------------------------------------ answers
    def answer(self, event: Event, states: States, blocked: Callable[[str], Reason | None]) -> Decision:
        """The answer to a lifecycle event (live only: replay reads the answer from the log).
        `blocked(target)` names an order placed meanwhile that still stops the payment."""
        fields = event.fields
        target = str(fields["target_event_id"])
        hold = self._get(states, hold_key(target))
        if event.type is EventType.CHALLENGE_RESULT:
            return self._challenge_answer(event, target, hold, blocked)
        if event.type is EventType.HOLD_RESOLUTION:
            released = fields["resolution"] == "released"
            reason = _reason(
                "HOLD_RELEASED" if released else "HOLD_DECLINED",
                "hold",
                "分析员已放行暂挂交易" if released else "分析员已拒绝暂挂交易",
                f"Held payment {target} {'released' if released else 'declined'} by {fields['actor']}",
                Outcome.APPROVE,
            )
            return Decision(event.event_id, Outcome.APPROVE, 0.0, (reason,))
        reason = _reason(
            "PAYMENT_OUTCOME_RECORDED",
            "outcome",
            f"已记录交易 {target} 的最终结果：{fields['outcome']}",
            f"Final outcome of {target} recorded: {fields['outcome']}",
            Outcome.APPROVE,
        )
        return Decision(event.event_id, Outcome.APPROVE, 0.0, (reason,))

    def _challenge_answer(
        self, event: Event, target: str, hold: dict[str, Any] | None, blocked: Callable[[str], Reason | None]
    ) -> Decision:
        fields = event.fields
        first = (hold or {}).get("ans", {}).get(fields["challenge_id"])
        if first is not None:  # a second result for the same challenge: the first answer again
            return Decision.from_dict({**first, "event_id": event.event_id})
        if hold is None or hold["ch"] != fields["challenge_id"]:
            reason = _reason(
                "CHALLENGE_UNKNOWN",
                "challenge",
                "未知的验证挑战，交易不予放行",
                f"No open challenge {fields['challenge_id']} for payment {target}: not approved",
                Outcome.REJECT,
                60.0,
            )
            return Decision(event.event_id, Outcome.REJECT, 60.0, (reason,))
        if event.ts > hold["dl"]:
            reason = _reason(
                "CHALLENGE_EXPIRED",
                "challenge",
                "验证已超时，交易未完成",
                f"The challenge expired at {iso(hold['dl'])}: the payment is not made",
                Outcome.REJECT,
                50.0,
            )
            return Decision(event.event_id, Outcome.REJECT, 50.0, (reason,))
        if not fields["passed"]:
            reason = _reason(
                "CHALLENGE_FAILED",
                "challenge",
                "验证未通过，交易未完成",
                "The customer did not pass the challenge: the payment is not made",
                Outcome.REJECT,
                70.0,
            )
            return Decision(event.event_id, Outcome.REJECT, 70.0, (reason,))
        missing = tuple(f for f in hold["rf"] if f not in (fields.get("factors") or ()))
        if missing:
            challenge = self.challenge_for(event, missing)
            reason = _reason(
                "CHALLENGE_MORE_FACTORS",
                "challenge",
                f"还需验证：{'、'.join(missing)}",
                f"Still required: {', '.join(missing)}",
                Outcome.STEP_UP,
                40.0,
            )
            return Decision(event.event_id, Outcome.STEP_UP, 40.0, (reason,), missing, challenge=challenge)
        stop = blocked(target)
        if stop is not None:
            return Decision(event.event_id, stop.outcome, stop.score, (stop,))
        reason = _reason(
            "CHALLENGE_PASSED",
            "challenge",
            "验证通过，交易放行",
            "The customer passed the challenge: the payment is approved",
            Outcome.APPROVE,
        )
        return Decision(event.event_id, Outcome.APPROVE, 0.0, (reason,))

    def resolve(self, event: Event, decision: Decision, states: States) -> tuple[list[Transition], set[str]]:
        """What a lifecycle event's answer does to its target (live and replay alike)."""
        fields = event.fields
        target = str(fields["target_event_id"])
        key = hold_key(target)
        hold = self._get(states, key)
        if event.type is EventType.PAYMENT_OUTCOME:
            # The core system's word is final: a completed payment is spent even if its hold had
            # ended (the money moved after all); a cancelled or returned one still held is freed.
            # A payment that went through is given back by the engine (once, whatever was refunded).
            if hold is None:
                return [], set()
            if fields["outcome"] == "completed" and hold["e"] != SPENT:
                return [self._end(target, hold, "completed", SPENT, states)], {key}
            if fields["outcome"] != "completed" and hold["s"] == "open":
                return [self._end(target, hold, str(fields["outcome"]), FREED, states)], {key}
            return [], set()
        if hold is None:
            return [], set()
        if event.type is EventType.HOLD_RESOLUTION:
            if hold["s"] != "open":
                return [], set()
            released = fields["resolution"] == "released"
            end = self._end(target, hold, "released" if released else "declined", SPENT if released else FREED, states)
            return [end], {key}
        # a challenge result
        answered = dict(hold.get("ans") or {})
        if fields["challenge_id"] in answered or hold["ch"] != fields["challenge_id"]:
            return [], set()
        late = hold["s"] == "expired" and event.ts <= hold["dl"]  # in time, arrived after a sweep
        if hold["s"] != "open" and not late:
            return [], set()
        answered[fields["challenge_id"]] = {
            k: v
            for k, v in decision.to_dict().items()
            if k in ("decision", "score", "reasons", "required_factors", "challenge")
        }
        hold = {**hold, "ans": answered}
        if decision.decision is Outcome.STEP_UP and decision.challenge is not None:
            deadline = clock.to_epoch_seconds(datetime.fromisoformat(decision.challenge.expires_at))
            states[key] = {
                **hold,
                "s": "open",
                "ch": decision.challenge.challenge_id,
                "rf": list(decision.challenge.required_factors),
                "dl": deadline,
            }
            return [], {key, *self._schedule(target, deadline, states)}
        if decision.decision is Outcome.APPROVE:
            return [self._end(target, hold, "passed", SPENT, states)], {key}
        ended = "expired" if event.ts > hold["dl"] else "failed"
        return [self._end(target, hold, ended, FAILED, states)], {key}
