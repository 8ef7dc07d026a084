"""Mule accounts (issue 13, part 3), end to end through `fengkong score` with events only: money
collected from several senders and moved straight on (快进快出) stops the mule's onward payment,
and a payment towards an account that behaves like a mule is answered before the money moves.
The look-alike - family money to a child's new account, spent over days - goes through."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fengkong.domain.identity.resident_id import check_digit
from tests.integration.helpers import score_events

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=8)))
MULE = "6230580000000001"  # an account of ours, opened for the fraud


def _at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def resident(body: str) -> str:
    return body + check_digit(body)


def opened(event_id: str, minutes: float, account: str, cls: str, born: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "account_open",
        "occurred_at": _at(minutes),
        "institution_id": "bank-001",
        "customer_id": f"c-{account[-4:]}",
        "account_id": account,
        "account_kind": "bank",
        "account_class": cls,
        "id_number": resident(f"110105{born}{account[-3:]}"),
        "phone": f"1390000{account[-4:]}",
        "name": "李四",
    }


def transfer(event_id: str, minutes: float, source: str, payee: str, amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": _at(minutes),
        "customer_id": f"c-{source[-4:]}",
        "account_id": source,
        "counterparty_account_id": payee,
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "amount": amount,
        **extra,
    }


def deposit(event_id: str, minutes: float, account: str, sender: str, amount: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": _at(minutes),
        "customer_id": f"c-{account[-4:]}",
        "account_id": account,
        "counterparty_account_id": sender,
        "txn_type": "deposit",
        "channel": "online_banking",
        "amount": amount,
    }


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer.get("reasons", [])}


def test_a_mule_collecting_and_paying_on_is_stopped_and_so_are_the_next_payments_to_it(tmp_path: Path) -> None:
    answers = score_events(
        tmp_path / "d",
        [
            opened("open", 0, MULE, "II", "19900307"),
            # day 3: the first victim pays; money from another bank lands too
            transfer("victim-1", 3 * 1440, "6230580000001111", MULE, "8000.00"),
            deposit("outside-1", 3 * 1440 + 4, MULE, "6217000000002222", "5000.00"),
            transfer("mule-on-1", 3 * 1440 + 9, MULE, "6230999900000001", "12500.00"),
            # the next victim, an hour later: the payee has emptied itself of two senders' money
            transfer("victim-2", 3 * 1440 + 70, "6230580000003333", MULE, "20000.00"),
            # the first victim's second instalment: a payee first paid an hour ago is not a habit
            transfer("victim-1-again", 3 * 1440 + 75, "6230580000001111", MULE, "600.00"),
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["victim-1"]["decision"] == "approve"  # nothing was known about the account yet
    assert by_id["mule-on-1"]["decision"] == "reject"
    assert "MULE_PASS_THROUGH" in codes(by_id["mule-on-1"])
    # the onward payment was refused: the money is still there, the payee has not passed it on
    assert "PAYEE_PASSES_MONEY_THROUGH" not in codes(by_id["victim-2"])
    # ... but a three-day-old class II account with a third sender: held before the money moves
    assert by_id["victim-2"]["decision"] == "review"
    assert "PAYEE_NEW_ACCOUNT_COLLECTING" in codes(by_id["victim-2"])
    assert "PAYEE_NEW_ACCOUNT_COLLECTING" in codes(by_id["victim-1-again"])


def test_a_payment_to_an_account_that_already_moved_collected_money_on_is_refused(tmp_path: Path) -> None:
    old_account = "6230580000005555"  # no account_open seen: age and class unknown
    answers = score_events(
        tmp_path / "d",
        [
            transfer("victim-1", 0, "6230580000001111", old_account, "9000.00"),
            deposit("outside-1", 5, old_account, "6217000000002222", "6000.00"),
            transfer("victim-2", 8, "6230580000002222", old_account, "4000.00"),
            # three senders: a collection point, whatever its age; the money goes on
            transfer("on-1", 15, old_account, "6230999900000001", "18000.00"),
            transfer("victim-3", 60, "6230580000003333", old_account, "7000.00"),
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["on-1"]["decision"] == "reject" and "MULE_PASS_THROUGH" in codes(by_id["on-1"])
    assert by_id["victim-3"]["decision"] == "approve"  # refused onward: nothing passed through yet


def test_once_money_got_through_the_next_payer_is_stopped_before_paying(tmp_path: Path) -> None:
    account = "6230580000006666"
    answers = score_events(
        tmp_path / "d",
        [
            opened("open", 0, account, "II", "19920304"),
            transfer("victim-1", 1440, "6230580000001111", account, "1500.00"),
            transfer("victim-2", 1445, "6230580000002222", account, "1500.00"),
            # class II: two small senders, out below the pass-through share - not refused
            transfer("on-1", 1450, account, "6230999900000001", "1400.00"),
            transfer("victim-3", 1500, "6230580000003333", account, "3000.00"),
            transfer("victim-4", 1510, "6230580000004444", account, "3000.00"),
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["on-1"]["decision"] == "approve"  # 1,400 of 3,000 is less than half
    # three senders to a day-old class II account, which already sent money on
    assert by_id["victim-3"]["decision"] == "review"
    assert "PAYEE_NEW_ACCOUNT_COLLECTING" in codes(by_id["victim-3"])


def test_family_money_to_a_childs_new_account_spent_over_days_goes_through(tmp_path: Path) -> None:
    child = "6230580000007777"
    events = [
        opened("open", 0, child, "II", "20050101"),
        transfer("mum", 1440, "6230580000001111", child, "5000.00"),
        transfer("dad", 1500, "6230580000002222", child, "3000.00"),
        transfer("rent", 1440 * 3, child, "6230999900000009", "2500.00"),  # days later, to the landlord
        transfer("mum-again", 1440 * 30, "6230580000001111", child, "4000.00"),
    ]
    answers = score_events(tmp_path / "d", events)
    assert [a["decision"] for a in answers[1:]] == ["approve"] * 4, answers


def test_a_new_account_sending_on_minutes_after_money_arrives_is_held(tmp_path: Path) -> None:
    mule = "6230580000008888"
    answers = score_events(
        tmp_path / "d",
        [
            opened("open", 0, mule, "II", "19950505"),
            # one deceived customer pays in two parts; the mule sends the first part on at once
            transfer("part-1", 1440, "6230580000001111", mule, "3000.00"),
            transfer("part-2", 1442, "6230580000001111", mule, "3000.00"),
            transfer("on-at-once", 1450, mule, "6230999900000077", "2500.00"),
            # the same sum the next day, hours after the last money came in: not "at once"
            transfer("next-day", 1440 * 2 + 600, mule, "6230999900000078", "2500.00"),
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["on-at-once"]["decision"] == "review" and "NEW_ACCOUNT_STRAIGHT_OUT" in codes(by_id["on-at-once"])
    assert "NEW_ACCOUNT_STRAIGHT_OUT" not in codes(by_id["next-day"])
