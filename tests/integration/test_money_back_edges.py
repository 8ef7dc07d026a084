"""Money going back is never refused by the fraud rules that guard money leaving, with the
complete rule pack, over HTTP and `fengkong score`; refund abuse is not exempt, and probing is
caught however the tests are spaced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import score_events

Send = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def event(event_id: str, minute: int, amount: str, txn_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": f"2026-11-02T{10 + minute // 60:02d}:{minute % 60:02d}:00+08:00",
        "customer_id": "c-shop",
        "account_id": "acct-shop",
        "card_id": "card-shop",
        "device_id": "dev-own",
        "ip": "203.0.113.10",
        "txn_type": txn_type,
        "channel": "mobile_banking",
        "amount": amount,
        **extra,
    }


def story(send: Send) -> None:
    login = {
        "event_id": "login-1",
        "type": "login",
        "occurred_at": "2026-11-01T09:00:00+08:00",
        "customer_id": "c-shop",
        "device_id": "dev-own",
        "ip": "203.0.113.10",
        "success": True,
    }
    answers = send(
        [
            login,
            # ordinary shopping on the customer's own phone: small, small, then a phone
            event("p1", 0, "50.00", "purchase", merchant_id="m-cafe"),
            event("p2", 5, "80.00", "purchase", merchant_id="m-bakery"),
            event("p3", 10, "1200.00", "purchase", merchant_id="m-phones"),
            # money back: a refund and a reversal to the same card, a counter deposit
            event("r1", 20, "1200.00", "refund", merchant_id="m-phones", original_event_id="p3"),
            event("v1", 21, "80.00", "reversal", merchant_id="m-bakery", original_event_id="p2"),
            event("d1", 22, "5000.00", "deposit", channel="counter"),
            # refund abuse: no original, another card, more than was paid
            event("r2", 30, "900.00", "refund", merchant_id="m-phones"),
            event("r3", 31, "50.00", "refund", merchant_id="m-cafe", original_event_id="p1", card_id="card-other"),
            event("r4", 32, "60.00", "refund", merchant_id="m-cafe", original_event_id="p1"),
            # probing from a new phone, tests 11 minutes apart, then a large payment
            event("t1", 100, "100.00", "purchase", device_id="dev-new", merchant_id="m-game"),
            event("t2", 111, "120.00", "purchase", device_id="dev-new", merchant_id="m-game"),
            event("t3", 122, "1900.00", "purchase", device_id="dev-new", merchant_id="m-game"),
        ]
    )
    got = {a["event_id"]: a for a in answers}
    for name in ("p1", "p2", "p3", "r1", "v1", "d1", "t1", "t2"):
        assert got[name]["decision"] == "approve", got[name]
    for name, why in (("r2", "no_original"), ("r3", "other_instrument"), ("r4", "exceeds_original")):
        assert got[name]["decision"] == "review", got[name]
        assert (
            got[name]["reasons"][0]["code"] == "REFUND_NOT_TO_ORIGINAL" and why in got[name]["reasons"][0]["message_en"]
        )
    assert got["t3"]["decision"] == "reject" and got["t3"]["reasons"][0]["code"] == "PROBING_PATTERN"


def test_money_back_over_http(full_pack_client: TestClient) -> None:
    story(lambda events: [full_pack_client.post("/v1/events", json=e).json() for e in events])


@pytest.mark.slow  # a subprocess
def test_money_back_through_fengkong_score(tmp_path: Path) -> None:
    story(lambda events: score_events(tmp_path / "d", events))
