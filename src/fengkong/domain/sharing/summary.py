"""What the members reported about one subject, as rules and queries read it: how many
institutions and reports, of which risk types, with amounts - never who reported unless that
report consented (003 §4.1.2)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fengkong.domain.ports import SharedReport


@dataclass(frozen=True, slots=True)
class SharedFact:
    """One report as the decision path keeps it."""

    reporter: str  # institution id, or a hub's pseudonym of one (counted, never shown)
    risk_type: str
    reported_ts: float  # epoch seconds
    amount_fen: int | None = None
    card_count: int | None = None
    disclosed_by: str | None = None  # the reporter's name, only where it consented


def summarize(facts: Iterable[SharedFact], ts: float, risk_type: str | None, home: str) -> dict[str, Any] | None:
    """The reports made by `ts` (of `risk_type`; None: any), or None if there are none.
    `others` leaves out the reports of `home`, the institution asking.

    >>> facts = [SharedFact("bank-b", "cash_out", 10.0, 150000, 3), SharedFact("anon:1f", "cash_out", 20.0)]
    >>> found = summarize(facts, 30.0, "cash_out", "bank-a")
    >>> found["institutions"], found["others"], found["amount"], found["disclosed"]
    (2, 2, Decimal('1500.00'), [])
    >>> summarize(facts, 5.0, "cash_out", "bank-a") is None
    True
    """
    seen = [f for f in facts if f.reported_ts <= ts and (risk_type is None or f.risk_type == risk_type)]
    if not seen:
        return None
    reporters = {f.reporter for f in seen}
    amounts = [f.amount_fen for f in seen if f.amount_fen is not None]
    cards = [f.card_count for f in seen if f.card_count is not None]
    return {
        "institutions": len(reporters),
        "others": len(reporters - {home}),
        "reports": len(seen),
        "risk_types": dict(sorted(Counter(f.risk_type for f in seen).items())),
        "kinds": ", ".join(sorted({f.risk_type for f in seen})),  # for messages
        "amount": (Decimal(sum(amounts)) / 100).quantize(Decimal("0.01")) if amounts else None,
        "cards": max(cards) if cards else None,
        "since": min(f.reported_ts for f in seen),
        "last": max(f.reported_ts for f in seen),
        "disclosed": sorted({f.disclosed_by for f in seen if f.disclosed_by}),
    }


def fact_of(report: SharedReport) -> SharedFact:
    """A kept report as the decision path reads it."""
    return SharedFact(
        report.institution_id,
        report.risk_type,
        report.reported_at.timestamp(),
        report.amount_fen,
        report.card_count,
        report.disclosed_by,
    )
