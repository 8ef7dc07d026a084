"""Decisions: an outcome on a severity scale, a 0-100 score and every reason behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """Possible answers, in increasing severity; combining hits takes the most severe."""

    APPROVE = "approve"
    STEP_UP = "step_up"
    REVIEW = "review"
    DELAY_SETTLEMENT = "delay_settlement"
    REJECT = "reject"
    STOP_PAYMENT = "stop_payment"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {o: i for i, o in enumerate(Outcome)}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule fired, readable by a human in Chinese and English."""

    code: str
    rule_id: str
    message_zh: str
    message_en: str
    outcome: Outcome = Outcome.APPROVE
    score: float = 0.0
    rule_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "rule_id": self.rule_id,
            "message": self.message_en,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "outcome": self.outcome.value,
            "score": self.score,
            "rule_version": self.rule_version,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Reason:
        return Reason(
            code=data["code"],
            rule_id=data["rule_id"],
            message_zh=data.get("message_zh", data.get("message", "")),
            message_en=data.get("message_en", data.get("message", "")),
            outcome=Outcome(data.get("outcome", "approve")),
            score=float(data.get("score", 0.0)),
            rule_version=int(data.get("rule_version", 1)),
        )


PENDING = frozenset({Outcome.STEP_UP, Outcome.REVIEW})
# What counts against limits (contract v1.1): approve and delay_settlement are spent (the money
# moves), step_up and review reserved until their answer; reject and stop_payment count nothing.
COUNTED = frozenset(
    {Outcome.APPROVE.value, Outcome.DELAY_SETTLEMENT.value, Outcome.STEP_UP.value, Outcome.REVIEW.value}
)


@dataclass(frozen=True, slots=True)
class Challenge:
    """What a step-up asks of the customer (contract v1.1): answered by a `challenge_result`."""

    challenge_id: str
    required_factors: tuple[str, ...]
    expires_at: str  # ISO-8601, event time

    def to_dict(self) -> dict[str, Any]:
        return {
            "challenge_id": self.challenge_id,
            "required_factors": list(self.required_factors),
            "expires_at": self.expires_at,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Challenge:
        return Challenge(str(data["challenge_id"]), tuple(data.get("required_factors", ())), str(data["expires_at"]))


@dataclass(frozen=True, slots=True)
class Decision:
    event_id: str
    decision: Outcome
    score: float
    reasons: tuple[Reason, ...] = ()
    required_factors: tuple[str, ...] = ()
    shadow_reasons: tuple[Reason, ...] = ()
    latency_ms: float = 0.0
    ruleset_version: str = ""
    policy_version: str = ""
    replayed: bool = False
    trace: dict[str, Any] | None = field(default=None, compare=False)
    challenge: Challenge | None = None  # on every step_up
    resend_of: str | None = None  # the payment whose open challenge this resend was given again

    @property
    def status(self) -> str:
        """`pending` (step_up, review: the payment waits for an answer) or `final`."""
        return "pending" if self.decision in PENDING else "final"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "decision": self.decision.value,
            "status": self.status,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
            "required_factors": list(self.required_factors),
            "latency_ms": self.latency_ms,
            "ruleset_version": self.ruleset_version,
            "policy_version": self.policy_version,
        }
        if self.challenge is not None:
            out["challenge"] = self.challenge.to_dict()
        if self.resend_of is not None:
            out["resend_of"] = self.resend_of
        if self.shadow_reasons:
            out["shadow_reasons"] = [r.to_dict() for r in self.shadow_reasons]
        if self.replayed:
            out["replayed"] = True
        if self.trace is not None:
            out["trace"] = self.trace
        return out

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Decision:
        return Decision(
            event_id=data["event_id"],
            decision=Outcome(data["decision"]),
            score=float(data["score"]),
            reasons=tuple(Reason.from_dict(r) for r in data.get("reasons", ())),
            required_factors=tuple(data.get("required_factors", ())),
            shadow_reasons=tuple(Reason.from_dict(r) for r in data.get("shadow_reasons", ())),
            latency_ms=float(data.get("latency_ms", 0.0)),
            ruleset_version=data.get("ruleset_version", ""),
            policy_version=data.get("policy_version", ""),
            challenge=Challenge.from_dict(data["challenge"]) if data.get("challenge") else None,
            resend_of=data.get("resend_of"),
        )


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class EventError:
    """The answer to an event that failed validation; it was kept with its reason."""

    event_id: str | None
    errors: tuple[FieldError, ...]

    @property
    def first(self) -> FieldError:
        return self.errors[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "error": {"field": self.first.field, "message": self.first.message},
            "errors": [{"field": e.field, "message": e.message} for e in self.errors],
        }


def combine_scores(scores: list[float]) -> float:
    """Noisy-OR of independent rule scores on 0-100: more evidence raises the score, never past 100.

    >>> combine_scores([50.0, 50.0])
    75.0
    """
    remaining = 1.0
    for s in scores:
        remaining *= 1.0 - min(max(s, 0.0), 100.0) / 100.0
    return round(100.0 * (1.0 - remaining), 4)
