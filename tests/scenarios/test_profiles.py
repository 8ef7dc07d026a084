"""Profiles an attacker cannot teach (issue 13, part 6), through `fengkong score` with events only:
approved payments from a new device do not make it a habit within the session, and a customer
without a profile still meets absolute amount signals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.integration.helpers import score_events

START = datetime(2026, 11, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))


def pay(event_id: str, minutes: float, amount: str, device: str, ip: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": (START + timedelta(minutes=minutes)).isoformat(),
        "customer_id": extra.pop("customer", "c-habit"),
        "txn_type": "purchase",
        "channel": "quick_pay",
        "amount": amount,
        "device_id": device,
        "ip": ip,
        "auth_factors": ["password", "sms_otp"],
        **extra,
    }


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer.get("reasons", [])}


def history(days: int = 20) -> list[dict[str, Any]]:
    """A customer who pays from one phone and one network, day after day."""
    return [pay(f"h{d}", d * 1440, "180.00", "dev-home", "36.1.1.1") for d in range(days)]


def test_a_burst_of_approved_payments_from_a_new_device_does_not_make_it_known(tmp_path: Path) -> None:
    t = 21 * 1440
    answers = score_events(
        tmp_path / "d",
        [
            *history(),
            pay("small-1", t, "20.00", "dev-new", "45.9.9.9"),  # approved: small (one is not probing)
            pay("large", t + 10, "3000.00", "dev-new", "45.9.9.9"),
            pay("next-day", t + 1440 + 30, "3000.00", "dev-new", "45.9.9.9"),
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["small-1"]["decision"] == "approve"
    # the device was "seen" ten minutes ago, on a small payment only: still new
    assert by_id["large"]["decision"] == "step_up"
    assert {"NEW_DEVICE", "NEW_DEVICE_AND_IP"} & codes(by_id["large"])
    # a day later, with the payment before it confirmed, the phone is the customer's own
    assert not {"NEW_DEVICE", "NEW_DEVICE_AND_IP"} & codes(by_id["next-day"])


def test_a_customer_without_a_profile_still_meets_absolute_amounts(tmp_path: Path) -> None:
    transfer = {"txn_type": "transfer", "channel": "mobile_banking", "counterparty_account_id": "6230580000099999"}
    answers = score_events(
        tmp_path / "d",
        [
            pay("first-ever", 0, "20000.00", "dev-x", "36.2.2.2", customer="c-new", **transfer),
            pay("small-first", 5, "800.00", "dev-y", "36.3.3.3", customer="c-new-2", **transfer),
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["first-ever"]["decision"] == "step_up" and "NO_PROFILE_LARGE" in codes(by_id["first-ever"])
    assert "NO_PROFILE_LARGE" not in codes(by_id["small-first"])
