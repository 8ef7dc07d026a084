"""Card-present acceptance decided in real time with the complete rule pack, over HTTP and
`fengkong score`: pre-authorisation by merchant type, completions against 115% of the
authorisation, offline completions, voids by frequency, and magnetic-stripe control."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import score_events

Send = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def swipe(event_id: str, minute: int, amount: str, txn_type: str = "purchase", **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": f"2026-11-02T{9 + minute // 60:02d}:{minute % 60:02d}:00+08:00",
        "customer_id": f"c-{extra.get('card_id', 'card-1')}",
        "card_id": "card-1",
        "card_kind": "credit",
        "txn_type": txn_type,
        "channel": "pos",
        "entry_mode": "chip",
        "amount": amount,
        "merchant_id": "m-hotel",
        "mcc": "7011",
        "terminal_id": "t-hotel",
        "location": {"lat": 31.23, "lon": 121.47, "city": "Shanghai", "country": "CN"},
        **extra,
    }


def story(send: Send) -> None:
    got = {
        a["event_id"]: a
        for a in send(
            [
                swipe("pa-hotel", 0, "2000.00", "preauth", preauth_id="pa-1"),
                swipe(
                    "pa-food",
                    1,
                    "500.00",
                    "preauth",
                    preauth_id="pa-2",
                    merchant_id="m-food",
                    mcc="5812",
                    terminal_id="t-food",
                ),
                swipe("pc-ok", 60, "2300.00", "preauth_completion", preauth_id="pa-1"),  # exactly 115%
                swipe("pa-hotel-2", 61, "1000.00", "preauth", preauth_id="pa-3"),
                swipe("pc-over", 62, "1150.01", "preauth_completion", preauth_id="pa-3"),
                swipe("pc-offline", 63, "800.00", "preauth_completion", preauth_id="pa-unknown"),
            ]
            + [swipe(f"void-{i}", 70 + i, "10.00", "void", original_event_id="pc-ok") for i in range(10)]
            + [
                swipe(
                    f"stripe-{i}",
                    120 + 20 * i,
                    "4900.00",
                    entry_mode="magstripe",
                    card_id="card-old",
                    card_has_chip=False,
                    merchant_id="m-shop",
                    mcc="5311",
                    terminal_id="t-shop",
                )
                for i in range(3)
            ]  # fmt: skip
            + [
                swipe("stripe-big", 200, "5000.01", entry_mode="magstripe", card_id="card-old-2", card_has_chip=False),
                swipe("stripe-online", 201, "100.00", entry_mode="magstripe", channel="quick_pay", card_id="card-x"),
            ]
            + [
                swipe(
                    f"freq-{i}",
                    210 + i,
                    "10.00",
                    entry_mode="magstripe",
                    card_id="card-old-3",
                    card_has_chip=False,
                    merchant_id="m-shop",
                    mcc="5311",
                    terminal_id="t-shop",
                )
                for i in range(7)
            ]  # fmt: skip
        )
    }
    assert got["pa-hotel"]["decision"] == "approve"
    assert got["pa-food"]["decision"] == "reject" and got["pa-food"]["reasons"][0]["code"] == "PREAUTH_NOT_ALLOWED"
    assert got["pc-ok"]["decision"] == "approve"
    assert got["pc-over"]["decision"] == "reject"
    assert got["pc-over"]["reasons"][0]["code"] == "COMPLETION_OVER_AUTHORISED"
    assert got["pc-offline"]["decision"] == "review"
    assert got["pc-offline"]["reasons"][0]["code"] == "OFFLINE_COMPLETION"
    assert [got[f"void-{i}"]["decision"] for i in range(10)] == ["approve"] * 9 + ["review"]
    assert got["void-9"]["reasons"][0]["code"] == "FREQUENT_VOIDS"
    # nine swipes of 4,900 cannot pass: the third is over the 10,000 of stripe a day
    assert [got[f"stripe-{i}"]["decision"] for i in range(3)] == ["approve", "approve", "reject"]
    assert got["stripe-2"]["reasons"][0]["code"] == "STRIPE_DAILY_LIMIT"
    assert got["stripe-big"]["reasons"][0]["code"] == "STRIPE_SINGLE_LIMIT"
    assert got["stripe-online"]["reasons"][0]["code"] == "STRIPE_CHANNEL"
    assert [got[f"freq-{i}"]["decision"] for i in range(7)] == ["approve"] * 6 + ["reject"]
    assert got["freq-6"]["reasons"][0]["code"] == "STRIPE_FREQUENCY"


def test_card_present_over_http(full_pack_client: TestClient) -> None:
    story(lambda events: full_pack_client.post("/v1/events:batch", json=events).json()["results"])


@pytest.mark.slow  # a subprocess
def test_card_present_through_fengkong_score(tmp_path: Path) -> None:
    story(lambda events: score_events(tmp_path / "d", events))
