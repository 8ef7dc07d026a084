"""Account takeover and probing stretched out (issue 13, part 4), through `fengkong score` with
events only: stuffing over hours, one account guessed over a day from changing IPs, many
customers on one device, card numbers tested days before use, and a payment after a credential
change however it was verified - each against the honest case that looks like it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.integration.helpers import score_events

START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))
_n = iter(range(10**6))


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).isoformat()


def login(hours: float, customer: str, ip: str, device: str, ok: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": extra.pop("event_id", f"l{next(_n)}"),
        "type": "login",
        "occurred_at": at(hours),
        "customer_id": customer,
        "username": extra.pop("username", customer),
        "success": ok,
        "method": "password",
        "device_id": device,
        "ip": ip,
        **extra,
    }


def pay(event_id: str, hours: float, customer: str, amount: str, device: str, ip: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": at(hours),
        "customer_id": customer,
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


def test_stuffing_spread_over_hours_is_refused_but_an_office_network_is_not(tmp_path: Path) -> None:
    slow = [login(i * 0.5, f"c-{i}", "91.1.1.1", "d-atk", ok=i % 2 == 0, username=f"u{i}") for i in range(24)]
    office = [login(i * 0.2, f"staff-{i}", "61.2.2.2", f"d-{i}", ok=i != 7) for i in range(40)]
    answers = {
        a["event_id"]: a
        for a in score_events(
            tmp_path / "d",
            [
                *slow,
                login(12.5, "c-last", "91.1.1.1", "d-atk", event_id="stuffed"),
                *office,
                login(8.5, "staff-x", "61.2.2.2", "d-x", event_id="colleague"),
            ],
        )
    }
    assert answers["stuffed"]["decision"] == "reject" and "SLOW_CREDENTIAL_STUFFING" in codes(answers["stuffed"])
    assert answers["colleague"]["decision"] == "approve"


def test_a_password_guessed_over_hours_from_changing_ips_is_challenged_at_the_login(tmp_path: Path) -> None:
    guesses = [login(i * 0.8, "c-victim", f"103.0.0.{i}", "d-atk", ok=False) for i in range(6)]
    answers = score_events(
        tmp_path / "d",
        [
            *guesses,
            login(5.5, "c-victim", "103.0.0.99", "d-atk", event_id="in"),
            login(1, "c-typo", "36.0.0.1", "d-own", ok=False),
            login(1.1, "c-typo", "36.0.0.1", "d-own", event_id="typo-then-in"),
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["in"]["decision"] == "step_up" and "LOGIN_AFTER_FAILURES" in codes(by_id["in"])
    assert "LOGIN_AFTER_FAILURES" not in codes(by_id["typo-then-in"])


def test_many_customers_on_one_device_are_held_but_a_family_tablet_is_not(tmp_path: Path) -> None:
    farm = [login(day * 20, f"victim-{day}", f"120.0.0.{day}", "d-farm") for day in range(3)]
    family = [login(day * 20, f"family-{day}", "36.9.9.9", "d-tablet") for day in range(2)]
    answers = {
        a["event_id"]: a
        for a in score_events(
            tmp_path / "d",
            [
                *farm,
                login(70, "victim-3", "120.0.0.9", "d-farm", event_id="fourth-account"),
                *family,
                login(70, "family-2", "36.9.9.9", "d-tablet", event_id="third-of-the-family"),
            ],
        )
    }
    assert answers["fourth-account"]["decision"] == "review" and "DEVICE_FARM" in codes(answers["fourth-account"])
    assert "DEVICE_FARM" not in codes(answers["third-of-the-family"])


def test_card_numbers_tested_days_before_a_large_payment_from_the_testers_device(tmp_path: Path) -> None:
    card = "6222020000000000009"
    own = [pay(f"own-{d}", d * 24, "c-own", "120.00", "d-own", "36.1.1.1", card_id="card-own") for d in range(10)]
    answers = {
        a["event_id"]: a
        for a in score_events(
            tmp_path / "d",
            [
                pay("test-1", 0, "c-card", "1.00", "d-tester", "45.0.0.1", card_id=card),
                pay("test-2", 30, "c-card", "2.50", "d-tester", "45.0.0.1", card_id=card),
                pay("large", 96, "c-card", "3000.00", "d-tester", "45.0.0.1", card_id=card),
                *own,
                pay("own-tiny-1", 240, "c-own", "2.00", "d-own", "36.1.1.1", card_id="card-own"),
                pay("own-tiny-2", 250, "c-own", "3.00", "d-own", "36.1.1.1", card_id="card-own"),
                pay("own-large", 260, "c-own", "3000.00", "d-own", "36.1.1.1", card_id="card-own"),
            ],
        )
    }
    assert answers["test-1"]["decision"] == "approve"
    assert answers["large"]["decision"] == "reject" and "STRETCHED_CARD_TESTING" in codes(answers["large"])
    assert "STRETCHED_CARD_TESTING" not in codes(answers["own-large"])  # the customer's own phone of ten days


def test_a_payment_after_any_credential_change_to_a_new_payee_from_a_new_device_is_held(tmp_path: Path) -> None:
    def transfer(event_id: str, hours: float, customer: str, payee: str, device: str, ip: str) -> dict[str, Any]:
        return pay(
            event_id,
            hours,
            customer,
            "3000.00",
            device,
            ip,
            txn_type="transfer",
            channel="mobile_banking",
            counterparty_account_id=payee,
        )

    def change(event_id: str, hours: float, customer: str, via: str, device: str, ip: str) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "type": "profile_change",
            "occurred_at": at(hours),
            "customer_id": customer,
            "field": "payment_password",
            "via": via,
            "device_id": device,
            "ip": ip,
        }

    history = [
        transfer(f"h-{who}-{d}", d * 24, who, f"payee-{who}", f"d-{who}", f"36.0.0.{i}")
        for i, who in enumerate(("victim", "forgetful"))
        for d in range(10)
    ]
    answers = {
        a["event_id"]: a
        for a in score_events(
            tmp_path / "d",
            [
                *history,
                change("reset-by-attacker", 250, "victim", "app", "d-atk", "58.0.0.1"),
                transfer("attacker-pays", 252, "victim", "6230580000000042", "d-atk", "58.0.0.1"),
                change("forgot", 250, "forgetful", "sms_otp", "d-forgetful", "36.0.0.1"),
                transfer("pays-usual", 251, "forgetful", "payee-forgetful", "d-forgetful", "36.0.0.1"),
            ],
        )
    }
    assert answers["attacker-pays"]["decision"] in ("review", "reject")
    assert "PAYMENT_AFTER_CREDENTIAL_CHANGE" in codes(answers["attacker-pays"])
    assert answers["pays-usual"]["decision"] == "approve", answers["pays-usual"]
