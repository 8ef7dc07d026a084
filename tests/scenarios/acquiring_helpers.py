"""A chip purchase by a debit card at a merchant's terminal in Beijing: the card-present event
the acquiring scenarios send, varied by merchant, terminal, time and amount."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

BEIJING = {"lat": 39.9042, "lon": 116.4074, "city": "Beijing", "country": "CN"}
_n = count()


def chip_purchase(
    merchant: str, terminal: str, amount: str, when: datetime, card: str, mcc: str = ""
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": f"cp{next(_n)}",
        "type": "transaction",
        "occurred_at": when.isoformat(),
        "customer_id": f"c-{card}",
        "txn_type": "purchase",
        "channel": "pos",
        "amount": amount,
        "card_id": card,
        "card_kind": "debit",
        "card_has_chip": True,
        "entry_mode": "chip",
        "merchant_id": merchant,
        "terminal_id": terminal,
        "location": BEIJING,
    }
    if mcc:
        event["mcc"] = mcc
    return event
