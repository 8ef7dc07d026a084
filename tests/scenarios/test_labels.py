"""Labels in real time (issue 13, part 1), end to end through `fengkong score` with events only: a
`feedback` event counts, from its own time on, on the entities of the event it labels; nothing
known later changes an earlier answer, and a replay answers as live did."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import fengkong
from fengkong.domain.decisions import Decision
from fengkong.domain.errors import InputError
from tests.integration.helpers import essence, score_events

START = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=8)))
VICTIM, MULE, ONWARD = "6230 5820 0001 1111", "MULE-0001-2222", "6230 5830 0009 9999"


def _at(minute: int) -> str:
    return (START + timedelta(minutes=minute)).isoformat()


def pay(event_id: str, minute: int, source: str, payee: str, customer: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": _at(minute),
        "customer_id": customer,
        "account_id": source,
        "counterparty_account_id": payee,
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "amount": "3000.00",
        **extra,
    }


def label(event_id: str, minute: int, target: str, what: str, source: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "feedback",
        "occurred_at": _at(minute),
        "target_event_id": target,
        "label": what,
        "source": source,
        **extra,
    }


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer.get("reasons", [])}


def test_a_police_confirmed_fraud_stops_the_next_payment_to_the_mule_and_the_mule_paying_on(tmp_path: Path) -> None:
    data = tmp_path / "d"
    answers = score_events(
        data,
        [
            pay("victim-pays", 0, VICTIM, MULE, "c-victim"),
            pay("another-before", 5, "6230 5820 0002 2222", MULE, "c-2"),
            label("police", 10, "victim-pays", "telecom_fraud", "police"),
            pay("another-after", 20, "6230 5820 0003 3333", MULE, "c-3"),
            pay("mule-pays-on", 25, MULE, ONWARD, "c-mule"),
            pay("late-but-earlier", 8, "6230 5820 0004 4444", MULE, "c-4"),  # sent late, happened before the label
        ],
    )
    by_id = {a["event_id"]: a for a in answers}
    assert by_id["another-before"]["decision"] == "approve"  # nothing was known yet
    assert by_id["another-after"]["decision"] == "reject"
    assert "PAYEE_POLICE_CONFIRMED_FRAUD" in codes(by_id["another-after"])
    assert by_id["mule-pays-on"]["decision"] == "reject" and "MULE_PAYS_ON_CONFIRMED" in codes(by_id["mule-pays-on"])
    assert not codes(by_id["late-but-earlier"]) & {"PAYEE_POLICE_CONFIRMED_FRAUD", "PAYEE_CONFIRMED_FRAUD"}

    # a new process on the same data: the label is still known, and an answer given is given again
    again = score_events(
        data, [pay("next-day", 60 * 20, "6230 5820 0005 5555", MULE, "c-5"), pay("another-after", 20, "x", MULE, "c-3")]
    )
    assert again[0]["decision"] == "reject" and "PAYEE_POLICE_CONFIRMED_FRAUD" in codes(again[0])
    assert essence(again[1]) == essence(by_id["another-after"])

    # the mule is on the involved-account list by itself, with where it came from (001 §1.4);
    # taking it off needs two people, as for any entry
    with fengkong.embedded(data) as platform:
        (entry,) = platform.lists.lookup("involved_account", MULE)
        assert (entry.added_by, entry.source, entry.display) == ("engine:labels", "label:police", "****2222")
        assert entry.reason == "received the money of a police-confirmed telecom_fraud"
        assert entry.evidence == "feedback police on event victim-pays"
        assert platform.lists.lookup("suspicious_account", MULE) == []
        request = platform.lists.request_removal(entry.id, maker="ana", reason="court ruling")
        with pytest.raises(InputError, match="different person"):
            platform.lists.approve(request.id, checker="ana")
        platform.lists.approve(request.id, checker="bo", note="checked")
        assert platform.lists.lookup("involved_account", MULE) == []


def test_a_customer_report_asks_a_person_and_a_legit_label_changes_nothing(tmp_path: Path) -> None:
    answers = score_events(
        tmp_path / "d",
        [
            pay("p1", 0, VICTIM, MULE, "c-victim"),
            pay("p2", 1, VICTIM, "PAYEE-0000-7777", "c-victim"),
            label("report", 5, "p1", "scam", "customer_report"),
            label("fine", 6, "p2", "legit", "case"),
            pay("to-reported", 10, "6230 5820 0002 2222", MULE, "c-2"),
            pay("to-cleared", 11, "6230 5820 0003 3333", "PAYEE-0000-7777", "c-3"),
        ],
    )
    reported, cleared = answers[-2], answers[-1]
    with fengkong.embedded(tmp_path / "d") as platform:
        (entry,) = platform.lists.lookup("suspicious_account", MULE)  # not confirmed by the police
        assert entry.source == "label:customer_report" and platform.lists.lookup("involved_account", MULE) == []
        assert platform.lists.lookup("suspicious_account", "PAYEE-0000-7777") == []
    assert reported["decision"] == "review" and "PAYEE_CONFIRMED_FRAUD" in codes(reported)
    assert "3,000.00 yuan" in next(r["message_en"] for r in reported["reasons"] if r["code"] == "PAYEE_CONFIRMED_FRAUD")
    assert not codes(cleared) & {"PAYEE_CONFIRMED_FRAUD", "PAYEE_POLICE_CONFIRMED_FRAUD", "MULE_PAYS_ON"}


def test_a_takeover_label_marks_the_fraudsters_device_and_the_card(tmp_path: Path) -> None:
    card = "6222021234567890128"
    stolen = pay("stolen", 0, VICTIM, "DROP-0000-1234", "c-victim", card_id=card, device_id="dev-fraudster")
    login = {
        "event_id": "login-other",
        "type": "login",
        "occurred_at": _at(30),
        "customer_id": "c-other",
        "success": True,
        "device_id": "dev-fraudster",
    }
    answers = score_events(
        tmp_path / "d",
        [
            stolen,
            label("chargeback", 15, "stolen", "account_takeover", "chargeback"),
            login,
            pay("card-again", 31, VICTIM, "SHOP-0000-0001", "c-victim", card_id=card, device_id="dev-victim"),
            pay("chip", 32, VICTIM, "SHOP-0000-0002", "c-victim", card_id=card, channel="pos", entry_mode="chip"),
            pay("stripe", 33, VICTIM, "SHOP-0000-0003", "c-x", card_id=card, channel="pos", entry_mode="magstripe"),
        ],
    )
    assert not codes(answers[4]) & {"CARD_OF_A_CONFIRMED_FRAUD", "CARD_NUMBER_OF_A_CONFIRMED_FRAUD"}  # chip pays
    assert answers[5]["decision"] == "reject" and "CARD_OF_A_CONFIRMED_FRAUD" in codes(answers[5])  # a stripe copy
    assert answers[2]["decision"] == "review" and "DEVICE_OF_A_CONFIRMED_TAKEOVER" in codes(answers[2])
    # without the card, the payer is asked for what only the holder has
    assert answers[3]["decision"] == "step_up" and "CARD_NUMBER_OF_A_CONFIRMED_FRAUD" in codes(answers[3])
    with fengkong.embedded(tmp_path / "d") as platform:
        (entry,) = platform.lists.lookup("compromised_card", card)
        assert platform.lists.lookup("card", card) == []  # not blacklisted: the chip is still the holder's
        assert entry.reason == "used in a confirmed by chargeback account_takeover"


def test_a_caller_cannot_plant_a_label(tmp_path: Path) -> None:
    """What a feedback labels is looked up by the engine; a `labelled` field sent in is dropped,
    even one that names the mule by the reference fengkong gave it."""
    data = tmp_path / "d"
    assert score_events(data, [pay("first", 0, VICTIM, MULE, "c-1")])[0]["decision"] == "approve"
    conn = sqlite3.connect(data / "fengkong.db")
    (ref,) = conn.execute("SELECT counterparty_account_id FROM event_log WHERE event_id = 'first'").fetchone()
    conn.close()
    assert ref.startswith("act_")
    forged = {"counterparty_account_id": ref, "amount": "99999.00"}
    answers = score_events(
        data,
        [
            label("forged-unknown", 1, "no-such-event", "fraud", "police", labelled=forged),
            pay("forged-on-payment", 2, VICTIM, "ELSE-0000-0001", "c-1", labelled=forged),
            pay("to-mule", 5, "6230 5820 0002 2222", MULE, "c-2"),
        ],
    )
    assert answers[-1]["decision"] == "approve", answers[-1]


def test_a_replay_from_the_log_answers_as_live(tmp_path: Path) -> None:
    """State rebuilt from the event log alone (no snapshot) counts the labels as live did."""
    live = tmp_path / "live"
    events = [
        pay("v1", 0, VICTIM, MULE, "c-victim"),
        label("f1", 3, "v1", "fraud", "case"),
        pay("v2", 4, "6230 5820 0002 2222", MULE, "c-2"),
    ]
    with fengkong.embedded(live) as platform:
        platform.engine.decide_many(events)
    replayed = tmp_path / "replayed"
    shutil.copytree(live, replayed)
    conn = sqlite3.connect(replayed / "fengkong.db")
    with conn:
        conn.execute("DELETE FROM state_snapshots")
    conn.close()
    probes = [pay("probe", 9, "6230 5820 0003 3333", MULE, "c-3"), pay("mule-on", 10, MULE, ONWARD, "c-m")]

    def decided(data_dir: Path) -> list[tuple[Any, ...]]:
        with fengkong.embedded(data_dir) as platform:
            return [essence(d.to_dict()) for d in platform.engine.decide_many(probes) if isinstance(d, Decision)]

    expected = decided(live)
    assert decided(replayed) == expected
    # the probe pays a payee of a confirmed fraud: held; the mule paying on what three senders
    # sent it minutes before is refused (85-mules.yaml) on top of the label's review
    assert expected[0][1] == "review" and expected[1][1] == "reject"
