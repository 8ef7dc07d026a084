"""Common point of compromise in real time (issue 13, part 2; 000; 003 篇五).

A confirmed counterfeit or skimming report names a card; the terminals that card used in the
exposure window before its fraud each get a report. When reports from enough different cards
cluster on one terminal or ATM, the terminal is a common point of compromise from that moment:
every card that used it within the exposure window before is exposed, and its next use is
challenged (the pack's `listed_visit` feature reads a card's visits against the list). Both the
cluster threshold and the exposure window are policy. Pure: the caller stores the entries.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fengkong.domain.identity.accounts import is_reference

# The pack's distinct feature of the terminals a card used (approved, card present), by bucket.
VISITS_FEATURE = "card_terminals_90d"
REPORT_LIST = "skimming_report"
POINT_LIST = "compromised_terminal"
GUARD_S = 3600  # visits in the hour of the fraud itself are the fraud's own, not the skimmer's

# What a label's consequences may read of the feature state: (a distinct feature, an entity key,
# a time) -> the values it saw with the times of their buckets (e.g. the terminals a card used).
Recall = Callable[[str, str, float], dict[str, list[float]]]


@dataclass(frozen=True, slots=True)
class CounterfeitReport:
    card: str  # the card's reference
    card_display: str
    fraud_ts: float
    label: str
    source: str
    evidence: str


def counterfeit_report(
    feedback_id: str, fields: Mapping[str, Any], counterfeit_labels: Collection[str]
) -> CounterfeitReport | None:
    """The report a feedback event makes, when it confirms a counterfeit or skimmed card."""
    label = str(fields.get("label", ""))
    labelled = fields.get("labelled")
    if label not in counterfeit_labels or not isinstance(labelled, Mapping):
        return None
    card, when = labelled.get("card_id"), labelled.get("occurred_at")
    if not isinstance(card, str) or not is_reference(card) or not isinstance(when, str):
        return None
    return CounterfeitReport(
        card=card,
        card_display=str(labelled.get("card_masked") or card),
        fraud_ts=datetime.fromisoformat(when).timestamp(),
        label=label,
        source=str(fields.get("source") or "unknown"),
        evidence=f"feedback {feedback_id} on event {labelled.get('event_id', '')}",
    )


def exposed_terminals(visits: Mapping[str, list[float]], fraud_ts: float, exposure_s: float) -> dict[str, float]:
    """The terminals a card used within the exposure window before its fraud, each with the
    card's first visit there in the window."""
    lo, hi = fraud_ts - exposure_s, fraud_ts - GUARD_S
    out = {}
    for terminal, times in visits.items():
        inside = [x for x in times if lo <= x <= hi]
        if inside:
            out[terminal] = min(inside)
    return dict(sorted(out.items()))


def compromise_began(first_visits: list[float], margin_s: float) -> float:
    """When a common point of compromise is taken to have begun recording cards: the earliest
    reported card's visit, less a margin (the skimmer may have been fitted before the first
    victim we know of). Cards that used the terminal before then are not exposed."""
    return min(first_visits) - margin_s


def report_evidence(report: CounterfeitReport) -> str:
    """How a report entry names its card (so one card is counted once per terminal)."""
    return f"card {report.card}; {report.evidence}"
