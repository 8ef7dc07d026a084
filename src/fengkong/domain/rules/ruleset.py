"""A loaded, immutable set of rules and features, and how hits combine into one decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from fengkong.domain.decisions import Outcome, Reason, combine_scores
from fengkong.domain.events import Event, EventType
from fengkong.domain.factors import satisfied, trusted
from fengkong.domain.features.featureset import FeatureSet
from fengkong.domain.rules.compiler import Compiled

Template = Callable[[Event, Mapping[str, Any]], str]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    version: int
    description_zh: str
    description_en: str
    event_types: frozenset[str]
    channels: frozenset[str] | None
    txn_types: frozenset[str] | None
    condition: Compiled
    condition_text: str
    outcome: Outcome
    score: Compiled
    reason_code: str
    message_zh: Template
    message_en: Template
    required_factors: tuple[str, ...] | Compiled = ()  # a list, or an expression giving one
    distrust: frozenset[str] = frozenset()  # factor channels not to rely on for this event (e.g. phone)
    mode: str = "active"  # active | shadow | disabled
    features_used: frozenset[str] = frozenset()
    source: str = ""
    money: frozenset[str] | None = None  # transactions of these types only (applies_to: money: out|in)

    def applies(self, event: Event) -> bool:
        if self.channels is not None and event.fields.get("channel") not in self.channels:
            return False
        if (
            self.money is not None
            and event.type is EventType.TRANSACTION
            and event.fields["txn_type"] not in self.money
        ):
            return False
        return self.txn_types is None or event.fields.get("txn_type") in self.txn_types


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules say about one event, before timing and persistence."""

    outcome: Outcome
    score: float
    reasons: tuple[Reason, ...]
    shadow_reasons: tuple[Reason, ...]
    required_factors: tuple[str, ...]
    faults: tuple[str, ...] = ()
    distrusted: frozenset[str] = frozenset()  # channels a challenge must not rely on


def _score_value(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 100.0 if value else 0.0
    try:
        return min(max(float(value), 0.0), 100.0)
    except (TypeError, ValueError):
        return 0.0


def _by_severity(r: Reason) -> tuple[int, float]:
    return (-r.outcome.severity, -r.score)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    features: FeatureSet
    version: str
    files: tuple[str, ...] = ()
    policy_version: str = ""
    policy_values: dict[str, Any] = field(default_factory=dict, repr=False)  # the numbers it was built with
    fx_rates: dict[str, Decimal] = field(default_factory=dict, repr=False)  # yuan per unit, from the policy
    _by_type: dict[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False)
    # The rules that apply to an event, by (type, channel, transaction type): what `applies`
    # depends on, worked out once per combination instead of per rule per event.
    _plans: dict[tuple[str, Any, Any], tuple[Rule, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for event_type in EventType:
            self._by_type[event_type.value] = tuple(
                r for r in self.rules if r.mode != "disabled" and event_type.value in r.event_types
            )

    def _applicable(self, event: Event) -> tuple[Rule, ...]:
        fields = event.fields
        key = (event.type.value, fields.get("channel"), fields.get("txn_type"))
        try:
            plan = self._plans.get(key)
        except TypeError:  # a value that cannot key a plan: judge each rule
            return tuple(r for r in self._by_type[key[0]] if r.applies(event))
        if plan is None:
            plan = self._plans[key] = tuple(r for r in self._by_type[key[0]] if r.applies(event))
        return plan

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def evaluate(self, event: Event, features: Mapping[str, Any]) -> Verdict:
        """Every applicable rule on the event; the most severe hit decides. A step-up whose
        factors the event already presents (over channels not distrusted) asks nothing more."""
        hits: list[Reason] = []
        shadow: list[Reason] = []
        faults: list[str] = []
        asked: list[tuple[int, tuple[str, ...]]] = []  # (index in hits, factors asked)
        distrusted: set[str] = set()
        for rule in self._applicable(event):
            try:
                if not rule.condition(event, features, None):
                    continue
                score = _score_value(rule.score(event, features, None))
                reason = Reason(
                    code=rule.reason_code,
                    rule_id=rule.id,
                    message_zh=rule.message_zh(event, features),
                    message_en=rule.message_en(event, features),
                    outcome=rule.outcome,
                    score=round(score, 4),
                    rule_version=rule.version,
                )
                wanted: tuple[str, ...] = ()
                if rule.outcome is Outcome.STEP_UP and rule.mode != "shadow":
                    asking = rule.required_factors
                    wanted = tuple(asking(event, features, None) or ()) if callable(asking) else asking
            except Exception as exc:  # noqa: BLE001 - a faulty rule must never stop a payment
                faults.append(f"{rule.id}: {type(exc).__name__}")
                continue
            if rule.mode == "shadow":
                shadow.append(reason)
                continue
            distrusted |= rule.distrust
            if rule.outcome is Outcome.STEP_UP:
                asked.append((len(hits), wanted))
            hits.append(reason)
        presented = trusted(event.fields.get("auth_factors") or (), distrusted)
        factors: list[str] = []
        for index, wanted in asked:
            if wanted and satisfied(presented, wanted):
                hits[index] = replace(hits[index], outcome=Outcome.APPROVE)  # answered already
            else:
                factors.extend(f for f in wanted if f not in factors)
        outcome = Outcome.APPROVE
        for reason in hits:
            if reason.outcome.severity > outcome.severity:
                outcome = reason.outcome
        hits.sort(key=_by_severity)
        shadow.sort(key=_by_severity)
        return Verdict(
            outcome=outcome,
            score=combine_scores([r.score for r in hits]),
            reasons=tuple(hits),
            shadow_reasons=tuple(shadow),
            required_factors=tuple(factors) if outcome is Outcome.STEP_UP else (),
            faults=tuple(faults),
            distrusted=frozenset(distrusted),
        )


def format_value(value: Any) -> str:
    """How a value reads inside a reason message."""
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value == value.quantize(Decimal("0.01")) else f"{value:,.4f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
