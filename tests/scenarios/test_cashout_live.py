"""Credit-card cash-out in the decision path (issue 13, part 5), through `fengkong score` with
events only: the cardholder signals of the batch scan, added up per payment, hold a cash-out
payment for a person; one sign alone - a big honest purchase close to the limit - does not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.integration.helpers import score_events

START = datetime(2026, 10, 5, 0, 0, tzinfo=timezone(timedelta(hours=8)))
HOME = {"lat": 31.23, "lon": 121.47, "city": "Shanghai", "country": "CN"}


def buy(event_id: str, hours: float, card: str, amount: str, limit: str, mcc: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": (START + timedelta(hours=hours)).isoformat(),
        "customer_id": f"c-{card}",
        "txn_type": extra.pop("txn_type", "purchase"),
        "channel": "pos",
        "amount": amount,
        "card_id": card,
        "card_kind": "credit",
        "card_has_chip": True,
        "entry_mode": "chip",
        "credit_limit": limit,
        "merchant_id": f"m-{mcc}",
        "mcc": mcc,
        "terminal_id": f"t-{mcc}",
        "location": HOME,
        **extra,
    }


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer.get("reasons", [])}


def test_cash_out_signs_add_up_to_a_hold_and_one_sign_alone_does_not(tmp_path: Path) -> None:
    events = [
        # a holder who has bought for thousands before: a round sum at a wholesale merchant in
        # the morning (two signs), then another late at night
        buy("usual-a", -300, "card-a", "2500.00", "20000", "5311"),
        buy("morning", 11, "card-a", "10000.00", "20000", "5998"),
        buy("night-2", 23.2, "card-a", "9000.00", "20000", "5998"),
        # a repayment, and the next day more than half the line spent at once
        {
            "event_id": "repaid",
            "type": "repayment",
            "occurred_at": (START + timedelta(hours=30)).isoformat(),
            "customer_id": "c-card-b",
            "card_id": "card-b",
            "amount": "19000.00",
            "statement_due_date": "2026-10-06",
        },
        buy("after-repayment", 58, "card-b", "12000.00", "20000", "5411"),
        # a completion at 115% of its pre-authorisation
        buy("preauth", 60, "card-c", "8695.66", "20000", "7011", txn_type="preauth", preauth_id="pa-1"),
        buy("completion", 80, "card-c", "10000.00", "20000", "7011", txn_type="preauth_completion", preauth_id="pa-1"),
        # an honest television: close to the limit, a price not a round sum, in the afternoon
        buy("television", 15, "card-d", "8999.00", "10000", "5732"),
        # a holder of small purchases: the first part of a split cash-out, far from the limit, in
        # the day - a round sum at a wholesale merchant unlike anything the holder spends
        buy("usual-e", -200, "card-e", "86.50", "50000", "5411"),
        buy("usual-e2", -100, "card-e", "132.00", "50000", "5812"),
        buy("first-part", 12, "card-e", "20000.00", "50000", "5998"),
        # a sum split into two parts at a wholesale merchant, not round: the first part shows two
        # signs (wholesale, unlike the holder); the second, the card near its limit in parts and
        # another large payment there just before
        buy("usual-f", -200, "card-f", "74.20", "25000", "5411"),
        buy("split-1", 14, "card-f", "10500.00", "25000", "5198"),
        buy("split-2", 14.2, "card-f", "10500.00", "25000", "5198"),
    ]
    answers = {a["event_id"]: a for a in score_events(tmp_path / "d", events)}
    assert "CASHOUT_PATTERN" not in codes(answers["morning"])  # two signs: only the score rises
    assert "CASHOUT_PATTERN" not in codes(answers["split-1"])
    for held in ("night-2", "after-repayment", "completion", "first-part", "split-2"):
        assert answers[held]["decision"] == "review" and "CASHOUT_PATTERN" in codes(answers[held]), answers[held]
    assert "CASHOUT_PATTERN" not in codes(answers["television"])


def test_a_hotel_cash_out_is_held_at_its_second_completion_and_honest_stays_are_not(tmp_path: Path) -> None:
    """Two pre-authorisations of one card at one hotel at once, completed the next day at a normal
    mark-up for most of the line: the second completion shows enough signs (several holds at
    once, another large payment there, the line reached in parts). Honest guests - one room, or
    two rooms for a family - show fewer."""

    def stay(tag: str, card: str, limit: str, rooms: list[str], hour: float) -> list[dict[str, Any]]:
        events = [buy(f"usual-{tag}", hour - 300, card, "95.00", limit, "5411")]
        for i, amount in enumerate(rooms):
            held = f"{float(amount) / 1.05:.2f}"
            events.append(
                buy(
                    f"{tag}-hold-{i}",
                    hour + i / 60,
                    card,
                    held,
                    limit,
                    "7011",
                    txn_type="preauth",
                    preauth_id=f"{tag}-{i}",
                )
            )
        for i, amount in enumerate(rooms):
            events.append(
                buy(
                    f"{tag}-done-{i}", hour + 20 + i / 60, card, amount, limit, "7011",
                    txn_type="preauth_completion", preauth_id=f"{tag}-{i}",
                )
            )  # fmt: skip
        return events

    events = [
        *stay("cashout", "card-h", "20000", ["8400.00", "8400.00"], 12),
        *stay("guest", "card-i", "20000", ["1880.00"], 15),
        *stay("family", "card-j", "50000", ["1720.00", "1720.00"], 15),
    ]
    answers = {a["event_id"]: a for a in score_events(tmp_path / "d", events)}
    assert "CASHOUT_PATTERN" in codes(answers["cashout-done-1"]), answers["cashout-done-1"]
    for honest in ("guest-done-0", "family-done-0", "family-done-1"):
        assert "CASHOUT_PATTERN" not in codes(answers[honest]), answers[honest]
