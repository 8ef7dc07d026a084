"""One phone and one card however they are written (issue 13, part 4): a number put on a list in
one spelling matches events that send it in another, through `fengkong score` with events only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fengkong
from fengkong.simulate.world import synthetic_pan
from tests.integration.helpers import score_events

PAN = synthetic_pan(4242, "debit")
GROUPED_PAN = " ".join(PAN[i : i + 4] for i in range(0, len(PAN), 4))


def _pay(event_id: str, minute: int, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": f"2026-11-20T10:{minute:02d}:00+08:00",
        "customer_id": f"c-{event_id}",
        "txn_type": "purchase",
        "channel": "quick_pay",
        "amount": "120.00",
        **fields,
    }


def test_a_listed_phone_and_card_match_in_any_spelling(tmp_path: Path) -> None:
    data = tmp_path / "d"
    with fengkong.embedded(data) as platform:
        platform.lists.add("phone", "+86 139 1234 5678", actor="tests", reason="police notice", source="police")
        platform.lists.add("card", GROUPED_PAN, actor="tests", reason="reported stolen", source="customer_report")
    answers = score_events(
        data,
        [
            _pay("plain", 0, phone="13912345678"),
            _pay("dashed", 1, phone="139-1234-5678"),
            _pay("international", 2, phone="0086 139 1234 5678"),
            _pay("other-phone", 3, phone="13912345679"),
            _pay("card-dashes", 4, card_id="-".join(PAN[i : i + 4] for i in range(0, len(PAN), 4))),
            _pay("card-plain", 5, card_id=PAN),
            _pay("other-card", 6, card_id=synthetic_pan(4243, "debit")),
        ],
    )
    listed = {a["event_id"] for a in answers if "BLACKLISTED_IDENTIFIER" in {r["code"] for r in a["reasons"]}}
    assert listed == {"plain", "dashed", "international", "card-dashes", "card-plain"}
