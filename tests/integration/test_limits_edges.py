"""Limits exact on every path, over HTTP and `fengkong score`: an event that omits its account's
kind and class is judged by the account registry, and money in another currency is counted in
yuan at the policy's rate (ISO 4217 numeric codes accepted)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fengkong import Settings
from fengkong.bootstrap import build_platform
from tests.access import api_client
from tests.integration.helpers import rule_args, score_events
from tests.scenarios.limits_helpers import LIMIT_RULES, at, payment

Send = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def opened(account: str, kind: str, cls: str, customer: str) -> dict[str, Any]:
    return {
        "event_id": f"open-{account}",
        "type": "account_open",
        "occurred_at": at(-1).isoformat(),
        "customer_id": customer,
        "account_id": account,
        "account_kind": kind,
        "account_class": cls,
        "face_to_face": True,
    }


def unsaid(account: str, hour: float, amount: str, customer: str, **extra: Any) -> dict[str, Any]:
    """A payment that does not say what kind or class of account pays."""
    event = payment(account, at(0, hour), amount, customer=customer, **extra)
    del event["account_kind"], event["account_class"]
    return event


def story(send: Send) -> None:
    (_, first, second) = send(
        [
            opened("wallet-1", "payment", "II", "c-wallet"),
            unsaid("wallet-1", 9, "600.00", "c-wallet", auth_factors=["password"]),
            unsaid("wallet-1", 10, "600.00", "c-wallet", auth_factors=["password"]),
        ]
    )
    assert first["decision"] == "approve"
    # 1,200 with one factor class is over the 1,000 a day of 43号 art. 24: the registry said "payment"
    assert second["decision"] == "step_up" and second["reasons"][0]["code"] == "VERIFICATION_TOO_WEAK"

    (_, dollars, over, numeric, unknown) = send(
        [
            opened("bank-2", "bank", "II", "c-bank"),
            unsaid("bank-2", 9, "1000.00", "c-bank", currency="USD"),  # 7,120.00 yuan at 7.12
            unsaid("bank-2", 10, "2880.01", "c-bank"),  # 10,000.01 in all: over the class II day
            unsaid("bank-2", 11, "2880.00", "c-bank", currency="156"),  # exactly 10,000
            unsaid("bank-2", 12, "1.00", "c-bank", currency="VND"),  # no rate in the policy
        ]
    )
    assert dollars["decision"] == "approve"
    assert over["decision"] == "reject" and over["reasons"][0]["code"] == "BANK_II_DAILY_LIMIT"
    assert "7,120.00 used" in over["reasons"][0]["message_en"]
    assert numeric["decision"] == "approve"
    assert unknown["error"]["field"] == "currency" and "no exchange rate for VND" in unknown["error"]["message"]

    # a bank card debited by quick payment through a payment institution (001 §1.8-5②)
    def quick(hour: float, amount: str, factors: list[str]) -> dict[str, Any]:
        return payment("bank-q", at(0, hour), amount, customer="c-quick", channel="quick_pay",
                       card_id="card-q", auth_factors=factors)  # fmt: skip

    (small, weak, strong, uncertified) = send(
        [
            quick(9, "600.00", ["password"]),
            quick(10, "600.00", ["password"]),  # 1,200 with one factor class: over 1,000
            quick(11, "4000.00", ["password", "sms_otp"]),
            quick(12, "1500.00", ["password", "sms_otp"]),  # 6,100 without a certificate: over 5,000
        ]
    )
    assert small["decision"] == "approve" and strong["decision"] == "approve"
    assert weak["decision"] == "step_up" and weak["reasons"][0]["code"] == "QUICK_PAY_VERIFICATION_TOO_WEAK"
    assert uncertified["decision"] == "step_up"
    assert uncertified["reasons"][0]["code"] == "QUICK_PAY_CERTIFICATE_REQUIRED"
    assert "digital_certificate" in uncertified["challenge"]["required_factors"]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with (
        build_platform(Settings.embedded(tmp_path / "data", rule_paths=LIMIT_RULES)) as platform,
        api_client(platform) as test_client,
    ):
        yield test_client


def test_limits_over_http(client: TestClient) -> None:
    def send(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [client.post("/v1/events", json=event).json() for event in events]

    story(send)


@pytest.mark.slow  # subprocesses
def test_limits_through_fengkong_score(tmp_path: Path) -> None:
    rules = rule_args(LIMIT_RULES)

    story(lambda events: score_events(tmp_path / "d", events, *rules))
