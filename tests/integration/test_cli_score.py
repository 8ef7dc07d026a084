"""`fengkong score`: every contract event answered in input order; bad lines never stop it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # subprocesses

CONTRACT_EVENTS = [
    {
        "event_id": "t1",
        "type": "transaction",
        "occurred_at": "2019-12-12T03:23:00+08:00",
        "institution_id": "bank-m",
        "customer_id": "qin",
        "phone": "13800000000",
        "device_id": "d1",
        "ip": "203.0.113.9",
        "location": {"lat": 39.9, "lon": 116.4, "city": "Beijing", "country": "CN"},
        "txn_type": "transfer",
        "channel": "quick_pay",
        "amount": 160,
        "currency": "CNY",
        "account_id": "a1",
        "account_kind": "bank",
        "account_class": "I",
        "card_id": "6222021234567890128",
        "card_kind": "debit",
        "card_has_chip": True,
        "entry_mode": "token",
        "counterparty_account_id": "mule-1",
        "same_name": False,
        "merchant_id": "m1",
        "mcc": "4829",
        "terminal_id": "t1",
        "auth_factors": ["sms_otp"],
        "preauth_id": "p1",
        "original_event_id": "t0",
        "balance_after": "9840.00",
    },
    {
        "event_id": "l1",
        "type": "login",
        "occurred_at": "2019-12-12T03:20:00+08:00",
        "account_id": "a1",
        "username": "qin",
        "success": True,
        "method": "sms_otp",
        "device_id": "d1",
        "ip": "203.0.113.9",
        "user_agent": "Mozilla/5.0",
    },
    {
        "event_id": "o1",
        "type": "account_open",
        "occurred_at": "2019-01-01T09:00:00+08:00",
        "account_id": "a1",
        "account_kind": "bank",
        "account_class": "I",
        "id_number": "11010519491231002X",
        "name": "秦",
        "phone": "13800000000",
        "verification_channels": 1,
        "face_to_face": True,
    },
    {
        "event_id": "b1",
        "type": "card_bind",
        "occurred_at": "2019-01-02T09:00:00+08:00",
        "card_id": "k1",
        "account_id": "a1",
        "bind_to": "app-x",
        "phone": "13800000000",
        "auth_factors": ["password", "sms_otp"],
    },
    {
        "event_id": "p1",
        "type": "profile_change",
        "occurred_at": "2019-12-12T03:21:00+08:00",
        "customer_id": "qin",
        "field": "payment_password",
        "via": "sms_otp",
        "new_value_hash": "ab12",
    },
    {
        "event_id": "r1",
        "type": "repayment",
        "occurred_at": "2019-12-20T09:00:00+08:00",
        "card_id": "k1",
        "amount": "3000.00",
        "statement_due_date": "2019-12-25",
    },
    {
        "event_id": "f1",
        "type": "feedback",
        "occurred_at": "2019-12-13T10:00:00+08:00",
        "target_event_id": "t1",
        "label": "fraud",
        "source": "customer_report",
    },
]


def score(tmp_path: Path, text: str, *args: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "fengkong", "score", "--data-dir", str(tmp_path / "d"), *args],
        input=text.encode(),
        capture_output=True,
        timeout=300,
        check=True,
    )
    assert b"scored:" in done.stderr
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def test_every_contract_event_is_answered_in_order(tmp_path: Path) -> None:
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in CONTRACT_EVENTS) + "\n"
    answers = score(tmp_path, text)
    assert [a["event_id"] for a in answers] == [e["event_id"] for e in CONTRACT_EVENTS]
    for answer in answers:
        assert answer["decision"] in {"approve", "step_up", "review", "delay_settlement", "reject", "stop_payment"}
        assert isinstance(answer["score"], float) and 0 <= answer["score"] <= 100
        assert isinstance(answer["latency_ms"], float)
        if answer["decision"] != "approve":
            assert answer["reasons"] and all(r["message_zh"] and r["message_en"] for r in answer["reasons"])


def test_bad_lines_get_errors_in_place_and_the_stream_goes_on(tmp_path: Path) -> None:
    good = CONTRACT_EVENTS[1]
    huge = json.dumps({**good, "event_id": "huge", "user_agent": "x" * 50_000_000})
    lines = [
        json.dumps(good),
        '{"event_id": "neg", "type": "transaction", "occurred_at": "2019-12-12T03:23:00+08:00", "txn_type": "purchase", "channel": "pos", "amount": -5}',
        "{broken json",
        huge,
        "",
        '{"type": "login", "occurred_at": "2019-12-12T03:23:00+08:00", "success": true}',
        json.dumps({**good, "event_id": "l2", "ip": "10.0.0.1"}),
        json.dumps(good),
    ]
    answers = score(tmp_path, "\n".join(lines) + "\n")
    assert len(answers) == 7  # the blank line is not an event
    assert answers[0]["decision"] == "approve"
    assert answers[1]["error"] == {"field": "amount", "message": "must be greater than 0"}
    assert answers[1]["event_id"] == "neg"
    assert answers[2]["error"]["field"] == "(json)"
    assert answers[3]["event_id"] == "huge" and answers[3]["error"]["field"] == "user_agent"
    assert answers[4]["error"]["field"] == "event_id"
    assert answers[5]["event_id"] == "l2" and "decision" in answers[5]
    assert answers[6]["replayed"] is True and answers[6]["decision"] == answers[0]["decision"]
    rejected = subprocess.run(
        [sys.executable, "-m", "fengkong", "db", "rejected", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(rejected) == 4
    assert all(len(json.loads(r)["raw_excerpt"]) < 5000 for r in rejected)


def test_reads_a_file_argument(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in CONTRACT_EVENTS[:3]), encoding="utf-8")  # no final newline
    done = subprocess.run(
        [sys.executable, "-m", "fengkong", "score", str(path), "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert [json.loads(x)["event_id"] for x in done.stdout.splitlines()] == ["t1", "l1", "o1"]


def test_no_card_number_reaches_the_database(tmp_path: Path) -> None:
    score(tmp_path, json.dumps(CONTRACT_EVENTS[0]) + "\n")
    db = (tmp_path / "d" / "fengkong.db").read_bytes()
    assert b"6222021234567890128" not in db
    assert b"11010519491231002X" not in db
