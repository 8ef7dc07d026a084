"""The decision lifecycle (contract v1.1), end to end: challenges, holds and reservations close
the leaks a decision that was a dead end left open."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fengkong import InputError, Outcome, Platform, Settings
from fengkong.adapters.rulefiles import BUILTIN_RULES
from fengkong.bootstrap import build_platform
from tests.scenarios.limits_helpers import HOLD_RULES, LIMIT_RULES, at, payment, unique


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    rules = tmp_path / "hold.yaml"
    rules.write_text(HOLD_RULES, encoding="utf-8")
    with build_platform(Settings.embedded(tmp_path / "data", rule_paths=(*LIMIT_RULES, rules))) as opened:
        yield opened


def bank_ii(
    account: str, hour: float, amount: str, hold: str | None = None, day: int = 0, **extra: Any
) -> dict[str, Any]:
    event = payment(account, at(day, hour), amount, kind="bank", cls="II", **extra)
    if hold is not None:
        event["hold"] = hold
    return event


def result(
    target: dict[str, Any], challenge_id: str, passed: bool, factors: list[str], minutes: float
) -> dict[str, Any]:
    when = datetime.fromisoformat(target["occurred_at"]) + timedelta(minutes=minutes)
    return {
        "event_id": unique("r"),
        "type": "challenge_result",
        "occurred_at": when.isoformat(),
        "target_event_id": target["event_id"],
        "challenge_id": challenge_id,
        "passed": passed,
        "factors": factors,
    }


def outcome(target: dict[str, Any], what: str, minutes: float) -> dict[str, Any]:
    when = datetime.fromisoformat(target["occurred_at"]) + timedelta(minutes=minutes)
    return {
        "event_id": unique("o"),
        "type": "payment_outcome",
        "occurred_at": when.isoformat(),
        "target_event_id": target["event_id"],
        "outcome": what,
    }


def test_a_review_reserves_against_the_class_ii_daily_limit_until_declined(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    held = engine.decide(bank_ii(account, 9, "6000.00", hold="review"))
    assert (held.decision, held.status) == (Outcome.REVIEW, "pending")
    over = engine.decide(bank_ii(account, 10, "5000.00"))
    assert over.decision is Outcome.REJECT and over.reasons[0].code == "BANK_II_DAILY_LIMIT"
    assert "6,000.00 used" in over.reasons[0].message_en  # the reserved amount is named
    assert [h.event_id for h in platform.holds.open()] == [held.event_id]
    platform.holds.decline(held.event_id, actor="analyst-1", reason="customer did not confirm", at=at(0, 11))
    assert engine.decide(bank_ii(account, 12, "5000.00")).decision is Outcome.APPROVE  # given back
    assert platform.holds.get(held.event_id).state == "declined" and platform.holds.open() == []
    actions = [r.action for r in platform.audit.records()]
    assert "hold.declined" in actions


def test_a_released_review_stays_spent(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    held = engine.decide(bank_ii(account, 9, "6000.00", hold="review"))
    released = platform.holds.release(held.event_id, actor="analyst-1", reason="confirmed by phone", at=at(0, 9.5))
    assert released.decision is Outcome.APPROVE and released.reasons[0].code == "HOLD_RELEASED"
    assert engine.decide(bank_ii(account, 10, "4000.00")).decision is Outcome.APPROVE  # 10,000 exactly
    assert engine.decide(bank_ii(account, 11, "0.01")).decision is Outcome.REJECT
    with pytest.raises(InputError, match="no longer held"):
        platform.holds.decline(held.event_id, actor="analyst-2", reason="changed my mind", at=at(0, 12))


def test_delay_settlement_spends_the_allowance(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    assert engine.decide(bank_ii(account, 9, "9000.00", hold="delay")).decision is Outcome.DELAY_SETTLEMENT
    assert engine.decide(bank_ii(account, 10, "1000.01")).decision is Outcome.REJECT


def test_an_unresolved_review_times_out_as_declined_on_event_time(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    held = engine.decide(bank_ii(account, 23, "6000.00", hold="review"))  # day 0, 23:00
    # the next day's allowance is untouched anyway; the same day is what the reservation holds
    assert engine.decide(bank_ii(account, 23.5, "4000.01")).decision is Outcome.REJECT
    # 24 hours later (event time, any customer's event) the review has timed out ...
    engine.decide(bank_ii(unique("other"), 23.1, "1.00", day=1))
    assert platform.holds.get(held.event_id).state == "timed_out"
    with pytest.raises(InputError, match="no longer held"):
        platform.holds.release(held.event_id, actor="analyst", reason="too late", at=at(1, 23.2))


def test_a_step_up_opens_a_challenge_that_a_resend_cannot_bypass(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    first = bank_ii(account, 9, "6000.00", hold="step_up")
    asked = engine.decide(first)
    assert asked.decision is Outcome.STEP_UP and asked.status == "pending"
    assert asked.challenge is not None and asked.challenge.required_factors == ("biometric",)
    assert asked.challenge.expires_at.startswith("2024-03-01T09:05:00")
    again = engine.decide(first | {"event_id": unique("t")})  # sent again, nothing answered
    assert again.decision is Outcome.STEP_UP and again.challenge == asked.challenge
    assert again.resend_of == first["event_id"] and again.reasons[0].code == "CHALLENGE_OPEN"
    # the resend reserved nothing more: 6,000 is held, 4,000 still fits the 10,000 a day
    assert engine.decide(bank_ii(account, 9.01, "4000.00")).decision is Outcome.APPROVE
    assert engine.decide(bank_ii(account, 9.02, "0.01")).decision is Outcome.REJECT


def test_a_passed_challenge_approves_and_spends(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    first = bank_ii(account, 9, "6000.00", hold="step_up")
    challenge = engine.decide(first).challenge
    assert challenge is not None
    answer = engine.decide(result(first, challenge.challenge_id, True, ["biometric"], minutes=2))
    assert (answer.decision, answer.status, answer.reasons[0].code) == (Outcome.APPROVE, "final", "CHALLENGE_PASSED")
    again = engine.decide(result(first, challenge.challenge_id, False, [], minutes=3))  # a second result
    assert again.decision is Outcome.APPROVE and again.reasons[0].code == "CHALLENGE_PASSED"
    assert engine.decide(bank_ii(account, 10, "4000.01")).decision is Outcome.REJECT  # 6,000 spent


def test_a_failed_or_expired_challenge_rejects_and_gives_back(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    failed = bank_ii(account, 9, "6000.00", hold="step_up")
    challenge = engine.decide(failed).challenge
    assert challenge is not None
    answer = engine.decide(result(failed, challenge.challenge_id, False, [], minutes=1))
    assert answer.decision is Outcome.REJECT and answer.reasons[0].code == "CHALLENGE_FAILED"
    late = bank_ii(account, 10, "6000.00", hold="step_up")
    challenge = engine.decide(late).challenge
    assert challenge is not None
    answer = engine.decide(result(late, challenge.challenge_id, True, ["biometric"], minutes=6))
    assert answer.decision is Outcome.REJECT and answer.reasons[0].code == "CHALLENGE_EXPIRED"
    assert engine.decide(bank_ii(account, 11, "10000.00")).decision is Outcome.APPROVE  # nothing was used


def test_a_challenge_expires_when_event_time_passes_it(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    first = bank_ii(account, 9, "6000.00", hold="step_up")
    engine.decide(first)
    assert engine.decide(bank_ii(account, 9.05, "4000.01")).decision is Outcome.REJECT  # 09:03: still reserved
    assert engine.decide(bank_ii(account, 9.1, "4000.01")).decision is Outcome.APPROVE  # 09:06: expired, freed
    assert platform.holds.get(first["event_id"]).state == "expired"


def test_too_few_factors_get_a_new_challenge_and_an_unknown_one_is_refused(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    first = bank_ii(account, 9, "100.00", hold="step_up")
    challenge = engine.decide(first).challenge
    assert challenge is not None
    more = engine.decide(result(first, challenge.challenge_id, True, ["password"], minutes=1))
    assert more.decision is Outcome.STEP_UP and more.challenge is not None
    assert more.challenge.challenge_id != challenge.challenge_id and more.required_factors == ("biometric",)
    passed = engine.decide(result(first, more.challenge.challenge_id, True, ["biometric"], minutes=2))
    assert passed.decision is Outcome.APPROVE
    unknown = engine.decide(result(first, "chl_forged", True, ["biometric"], minutes=3))
    assert unknown.decision is Outcome.REJECT and unknown.reasons[0].code == "CHALLENGE_UNKNOWN"


def test_a_resend_with_the_factors_asked_for_is_the_answer(platform: Platform) -> None:
    """The v1 way: the customer verifies and the payment is sent again with the factors."""
    engine, account = platform.engine, unique("acct")
    first = bank_ii(account, 9, "6000.00", hold="step_up")
    engine.decide(first)
    answered = engine.decide(first | {"event_id": unique("t"), "auth_factors": ["biometric"], "hold": None})
    assert answered.decision is Outcome.APPROVE and answered.resend_of is None
    assert platform.holds.get(first["event_id"]).state == "superseded"
    assert engine.decide(bank_ii(account, 10, "4000.00")).decision is Outcome.APPROVE  # 6,000 counted once
    assert engine.decide(bank_ii(account, 10.5, "0.01")).decision is Outcome.REJECT


def test_an_order_placed_while_the_customer_answers_still_stops_the_payment(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    first = bank_ii(account, 9, "100.00", hold="step_up")
    challenge = engine.decide(first).challenge
    assert challenge is not None
    platform.orders.stop_payment(account, case_number="GA-1", authority="PSB", reason="telecom fraud", actor="ops")
    answer = engine.decide(result(first, challenge.challenge_id, True, ["biometric"], minutes=1))
    assert answer.decision is Outcome.STOP_PAYMENT and answer.reasons[0].code == "ORDER_PLACED_MEANWHILE"


def test_payment_outcomes_complete_a_hold_and_cancel_or_return_a_payment(platform: Platform) -> None:
    engine, account = platform.engine, unique("acct")
    held = bank_ii(account, 9, "3000.00", hold="review")
    engine.decide(held)
    done = engine.decide(outcome(held, "completed", minutes=30))
    assert (done.decision, done.status) == (Outcome.APPROVE, "final")
    assert platform.holds.get(held["event_id"]).state == "completed"
    approved = bank_ii(account, 10, "5000.00")
    assert engine.decide(approved).decision is Outcome.APPROVE
    assert engine.decide(bank_ii(account, 11, "2000.01")).decision is Outcome.REJECT  # 8,000 used
    refund = bank_ii(account, 11.5, "1000.00", txn_type="refund", original_event_id=approved["event_id"])
    assert engine.decide(refund).decision is Outcome.APPROVE  # 1,000 of the 5,000 back
    engine.decide(outcome(approved, "returned", minutes=120))  # the other 4,000 back, once
    engine.decide(outcome(approved, "cancelled", minutes=130))  # nothing more to give
    assert engine.decide(bank_ii(account, 13, "7000.00")).decision is Outcome.APPROVE  # 3,000 + 7,000
    assert engine.decide(bank_ii(account, 14, "0.01")).decision is Outcome.REJECT


def test_the_lifecycle_survives_a_restart(tmp_path: Path) -> None:
    """Holds, challenges and reservations are a fold over the log: a new process rebuilds them."""
    rules = tmp_path / "hold.yaml"
    rules.write_text(HOLD_RULES, encoding="utf-8")
    settings = Settings.embedded(tmp_path / "data", rule_paths=(*LIMIT_RULES, rules), snapshot_every=10**9)
    account = unique("acct")
    first = bank_ii(account, 9, "6000.00", hold="step_up")
    review = bank_ii(account, 9.01, "1000.00", hold="review")
    with build_platform(settings) as before:
        challenge = before.engine.decide(first).challenge
        before.engine.decide(review)
    assert challenge is not None
    with sqlite3.connect(tmp_path / "data" / "fengkong.db") as db:  # as if killed before its last snapshot
        db.execute("DELETE FROM state_snapshots")
    with build_platform(settings) as after:  # replays the whole log
        assert [h.event_id for h in after.holds.open()] == [first["event_id"], review["event_id"]]
        again = after.engine.decide(first | {"event_id": unique("t")})
        assert again.challenge == challenge  # the same open challenge
        assert after.engine.decide(bank_ii(account, 9.02, "3000.01")).decision is Outcome.REJECT  # 7,000 held
        assert (
            after.engine.decide(result(first, challenge.challenge_id, True, ["biometric"], 3)).decision
            is Outcome.APPROVE
        )


@pytest.fixture
def full_pack(tmp_path: Path) -> Iterator[Platform]:
    with build_platform(Settings.embedded(tmp_path / "full")) as opened:
        yield opened


def weak_wallet_payment(customer: str, hour: float, phone: str) -> dict[str, Any]:
    """1,500 from a payment account verified by a password alone: over the 1,000 a day that
    fewer than two factor classes may pay (43号 art. 24), so a step-up asks for a second class."""
    return payment(
        f"w-{customer}", at(1, hour), "1500.00", kind="payment", cls="II", customer=customer,
        phone=phone, device_id=f"dev-{customer}", auth_factors=["password"], channel="mobile_banking",
    )  # fmt: skip


def test_a_challenge_never_relies_on_a_phone_that_changed_hands(full_pack: Platform) -> None:
    engine = full_pack.engine
    ordinary = engine.decide(weak_wallet_payment("c-steady", 10, "13900000001"))
    assert ordinary.challenge is not None and "sms_otp" in ordinary.challenge.required_factors  # the contrast

    engine.decide(
        {
            "event_id": unique("p"),
            "type": "profile_change",
            "occurred_at": at(1, 8).isoformat(),
            "customer_id": "c-moved",
            "field": "phone",
            "via": "password",
        }
    )
    moved_payment = weak_wallet_payment("c-moved", 10, "13900000002")
    moved = engine.decide(moved_payment)
    # the carrier's notice is listed after the payments so far; it applies to what comes after
    full_pack.lists.add("recycled_phone", "139-0000-0003", actor="ops", reason="carrier notice", source="carrier")
    recycled = engine.decide(weak_wallet_payment("c-recycled", 10 + 1 / 60, "13900000003"))
    for decision in (moved, recycled):
        assert decision.decision is Outcome.STEP_UP and decision.challenge is not None
        assert not {"sms_otp", "voice_otp"} & set(decision.challenge.required_factors)
        assert decision.challenge.required_factors  # still answerable: biometrics, app, token
        assert "PHONE_CHANNEL_NOT_TRUSTED" in [r.code for r in decision.reasons]
    assert moved.challenge is not None
    answered = engine.decide(result(moved_payment, moved.challenge.challenge_id, True, ["sms_otp"], minutes=1))
    assert answered.decision is Outcome.STEP_UP  # an SMS code is not what was asked


def test_failed_and_abandoned_challenges_are_a_signal(full_pack: Platform) -> None:
    """Two failed and one abandoned challenge in a day on one customer: the next payment is held
    for a person, not challenged a fourth time. Another customer on another device is untouched."""
    engine = full_pack.engine
    for minute, passed in ((0, False), (10, False), (20, None)):
        stepped = weak_wallet_payment("c-guess", 10 + minute / 60, "13900000009")
        asked = engine.decide(stepped)
        assert asked.challenge is not None, asked
        if passed is not None:
            failed = engine.decide(result(stepped, asked.challenge.challenge_id, passed, ["sms_otp"], minutes=1))
            assert failed.decision is Outcome.REJECT
    # the third challenge expires unanswered once event time passes it (10:25)
    after = engine.decide(weak_wallet_payment("c-guess", 11, "13900000009"))
    assert after.decision is Outcome.REVIEW and after.reasons[0].code == "REPEATED_CHALLENGE_FAILURES"
    assert "3 for the customer" in after.reasons[0].message_en
    other = engine.decide(weak_wallet_payment("c-other", 11, "13900000010"))
    assert other.decision is Outcome.STEP_UP


def test_a_card_only_resend_is_the_same_payment(tmp_path: Path) -> None:
    """A card-only debit gets its account from the card link (complete pack); sent again
    card-only, it is still a resend of the first while its challenge is open."""
    rules = tmp_path / "hold.yaml"
    rules.write_text(HOLD_RULES, encoding="utf-8")
    with build_platform(Settings.embedded(tmp_path / "d", rule_paths=(BUILTIN_RULES, rules))) as opened:
        engine, account = opened.engine, unique("acct")
        linked = engine.decide(bank_ii(account, 8, "10.00", card_id="card-link"))  # links the card to the account
        assert linked.decision is Outcome.APPROVE
        first = bank_ii(account, 9, "600.00", hold="step_up", card_id="card-link")
        del first["account_id"]
        asked = engine.decide(first)
        assert asked.decision is Outcome.STEP_UP
        logged = opened.events.find_events([first["event_id"]])[first["event_id"]]
        linked_record = opened.events.find_events([linked.event_id])[linked.event_id].record
        assert logged.record["account_id"] == linked_record["account_id"]  # filled in from the card link
        assert logged.record["account_id"].startswith("act_")  # the account's reference: no number kept
        again = engine.decide(first | {"event_id": unique("t")})
        assert again.resend_of == first["event_id"] and again.challenge == asked.challenge
