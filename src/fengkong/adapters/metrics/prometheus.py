"""Prometheus metrics: decisions, rule hits, latencies (the Metrics port)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from fengkong.domain.decisions import Decision, EventError
from fengkong.domain.events import Event

_LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5)


class PrometheusMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.events = Counter(
            "fengkong_decisions", "Decisions by event type and outcome", ["type", "decision"], registry=self.registry
        )
        self.rejected_events = Counter(
            "fengkong_rejected_events", "Events refused by validation, by field", ["field"], registry=self.registry
        )
        self.replays = Counter(
            "fengkong_replayed_events", "Duplicate event ids answered from the log", registry=self.registry
        )
        self.rule_hits = Counter(
            "fengkong_rule_hits", "Rule hits by rule and mode", ["rule_id", "mode"], registry=self.registry
        )
        self.rule_faults = Counter("fengkong_rule_faults", "Rules that failed at run time", registry=self.registry)
        self.latency = Histogram(
            "fengkong_decision_seconds",
            "Time to decide one event (before commit)",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.request_latency = Histogram(
            "fengkong_http_request_seconds",
            "HTTP request time including the durable commit",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def decided(self, event: Event, decision: Decision, faults: Sequence[str]) -> None:
        self.events.labels(event.type.value, decision.decision.value).inc()
        self.latency.observe(decision.latency_ms / 1000)
        for reason in decision.reasons:
            self.rule_hits.labels(reason.rule_id, "active").inc()
        for reason in decision.shadow_reasons:
            self.rule_hits.labels(reason.rule_id, "shadow").inc()
        if faults:
            self.rule_faults.inc(len(faults))

    def rejected(self, error: EventError) -> None:
        self.rejected_events.labels(error.first.field[:64]).inc()

    def replayed(self, decision: Decision) -> None:
        self.replays.inc()

    def request_seconds(self, route: str, seconds: float) -> None:
        self.request_latency.labels(route).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
