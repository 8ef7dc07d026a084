"""What a confirmed label puts on the lists by itself (issue 13; 001 §1.4): the account a fraud's
money went to — `involved_account` (涉案账户) when the police confirmed it, `suspicious_account`
(可疑账户) on any other confirmation — and the card of a takeover or counterfeit report on the
compromised-card list (the number or the stripe is in a fraudster's hands; the chip is still the
holder's, so it is not blacklisted). Removal goes through the lists' maker-checker like any entry."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from fengkong.domain.identity.accounts import is_reference


@dataclass(frozen=True, slots=True)
class Listing:
    list_type: str
    value: str  # a reference: the door keyed it when the labelled event arrived
    display: str  # its mask, as the labelled event kept it
    reason: str
    source: str
    evidence: str


def listings_for(
    feedback_id: str,
    fields: Mapping[str, Any],
    fraud_labels: Collection[str],
    takeover_labels: Collection[str],
) -> list[Listing]:
    """The entries a feedback event (its `label`, `source` and what it labels) calls for."""
    label, source = str(fields.get("label", "")), str(fields.get("source") or "unknown")
    labelled = fields.get("labelled")
    if label not in fraud_labels or not isinstance(labelled, Mapping):
        return []
    target = str(labelled.get("event_id", ""))
    confirmed = "police-confirmed" if source == "police" else f"confirmed by {source}"
    evidence = f"feedback {feedback_id} on event {target}"
    out = []
    payee = labelled.get("counterparty_account_id")
    if isinstance(payee, str) and is_reference(payee):
        out.append(
            Listing(
                "involved_account" if source == "police" else "suspicious_account",
                payee,
                str(labelled.get("counterparty_masked") or payee),
                f"received the money of a {confirmed} {label}",
                f"label:{source}",
                evidence,
            )
        )
    card = labelled.get("card_id")
    if label in takeover_labels and isinstance(card, str) and is_reference(card):
        shown = str(labelled.get("card_masked") or card)
        out.append(
            Listing("compromised_card", card, shown, f"used in a {confirmed} {label}", f"label:{source}", evidence)
        )
    return out
