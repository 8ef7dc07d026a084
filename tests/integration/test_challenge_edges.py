"""Challenges with the complete rule pack, over HTTP and `fengkong score`: never an SMS code once
the phone changed hands, and failed or abandoned challenges as a signal. Then the person behind
a rented account, and the class III balance ceiling, over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import score_events
from tests.scenarios.limits_helpers import at, payment

Send = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def wallet(customer: str, minute: int, phone: str) -> dict[str, Any]:
    """1,500 from a payment account with a password alone: over the 1,000 a day of 43号 art. 24."""
    return payment(
        f"w-{customer}", at(1, 10) + timedelta(minutes=minute), "1500.00", kind="payment", cls="II",
        customer=customer, phone=phone, device_id=f"dev-{customer}", auth_factors=["password"],
    )  # fmt: skip


def result(target: dict[str, Any], challenge: str, passed: bool) -> dict[str, Any]:
    when = datetime.fromisoformat(target["occurred_at"]) + timedelta(minutes=1)
    return {
        "event_id": f"{target['event_id']}-answer",
        "type": "challenge_result",
        "occurred_at": when.isoformat(),
        "target_event_id": target["event_id"],
        "challenge_id": challenge,
        "passed": passed,
        "factors": ["sms_otp"],
    }


def story(send: Send) -> None:
    moved = wallet("c-moved", 0, "13900000002")
    phone_change = {
        "event_id": "pc-1",
        "type": "profile_change",
        "occurred_at": at(1, 8).isoformat(),
        "customer_id": "c-moved",
        "field": "phone",
        "via": "password",
    }
    (_, asked) = send([phone_change, moved])
    assert asked["decision"] == "step_up"
    assert not {"sms_otp", "voice_otp"} & set(asked["challenge"]["required_factors"])
    (more,) = send([result(moved, asked["challenge"]["challenge_id"], True)])  # an SMS code is not enough
    assert more["decision"] == "step_up" and more["reasons"][0]["code"] == "CHALLENGE_MORE_FACTORS"

    for minute in (30, 40, 50):
        attempt = wallet("c-guess", minute, "13900000009")
        (challenged,) = send([attempt])
        (failed,) = send([result(attempt, challenged["challenge"]["challenge_id"], False)])
        assert failed["decision"] == "reject" and failed["reasons"][0]["code"] == "CHALLENGE_FAILED"
    (held,) = send([wallet("c-guess", 70, "13900000009")])
    assert held["decision"] == "review" and held["reasons"][0]["code"] == "REPEATED_CHALLENGE_FAILURES"


def test_challenges_over_http(full_pack_client: TestClient) -> None:
    story(lambda events: [full_pack_client.post("/v1/events", json=e).json() for e in events])


@pytest.mark.slow  # subprocesses
def test_challenges_through_fengkong_score(tmp_path: Path) -> None:
    story(lambda events: score_events(tmp_path / "d", events))


def test_a_rented_accounts_owner_and_the_class_iii_ceiling_over_http(full_pack_client: TestClient) -> None:
    owner = "11010519491231002X"
    now = datetime.now().astimezone()
    opening = {
        "event_id": "open-other",
        "type": "account_open",
        "occurred_at": (now - timedelta(days=30)).isoformat(),
        "account_id": "acct-other",
        "account_kind": "bank",
        "account_class": "II",
        "id_number": owner,
        "institution_id": "bank-z",
    }
    assert full_pack_client.post("/v1/events", json=opening).json()["decision"] == "approve"
    rented = {"account_id": "acct-r", "owner_id_number": owner, "reason": "sold", "evidence": "PSB 88",
              "source": "police", "actor": "ops"}  # fmt: skip
    assert full_pack_client.post("/v1/penalties/rented-accounts", json=rented).status_code == 201
    elsewhere = payment("acct-other", now, "10.00", kind="bank", cls="II", customer="c-owner")
    answer = full_pack_client.post("/v1/events", json=elsewhere).json()
    assert answer["decision"] == "reject" and answer["reasons"][0]["code"] == "PERSON_BUSINESS_PENALTY"

    over = payment("acct-iii", now, "0.01", kind="bank", cls="III", txn_type="deposit", balance_after="1000.01")
    ceiling = full_pack_client.post("/v1/events", json=over).json()
    assert ceiling["decision"] == "reject" and ceiling["reasons"][0]["code"] == "BANK_III_BALANCE_CEILING"
