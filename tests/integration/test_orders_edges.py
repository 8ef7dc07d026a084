"""Orders hold on every path, with the complete rule pack, over HTTP and the command line: a
card-only debit is its account's debit (through the card↔account link)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import run_fengkong


def debit(event_id: str, minute: int, card: str, account: str | None = None) -> dict[str, Any]:
    event = {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": f"2026-11-02T10:{minute:02d}:00+08:00",
        "customer_id": "c-order",
        "card_id": card,
        "txn_type": "purchase",
        "channel": "pos",
        "entry_mode": "chip",
        "amount": "300.00",
        "merchant_id": "m-1",
        "mcc": "5411",
    }
    if account is not None:
        event["account_id"] = account
    return event


ORDER = {"case_number": "GA-2026-1102-9", "authority": "Shanghai PSB Xuhui", "reason": "fraud report", "actor": "ops"}


def test_a_card_only_debit_is_stopped_over_http(full_pack_client: TestClient) -> None:
    assert (
        full_pack_client.post("/v1/events", json=debit("linked", 0, "card-9", "acct-9")).json()["decision"] == "approve"
    )
    assert full_pack_client.post("/v1/stop-payments", json={"account_id": "acct-9", **ORDER}).status_code == 201
    stopped = full_pack_client.post("/v1/events", json=debit("card-only", 5, "card-9")).json()
    assert stopped["decision"] == "stop_payment" and stopped["reasons"][0]["code"] == "EMERGENCY_STOP_PAYMENT"
    other = full_pack_client.post("/v1/events", json=debit("other-card", 6, "card-unlinked")).json()
    assert other["decision"] == "approve"


@pytest.mark.slow  # subprocesses
def test_a_card_only_debit_is_stopped_from_the_command_line(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "d")]

    assert (
        json.loads(run_fengkong("score", *data, stdin=json.dumps(debit("linked", 0, "card-9", "acct-9"))))["decision"]
        == "approve"
    )
    run_fengkong(
        "stop", "acct-9", "--case", ORDER["case_number"], "--authority", ORDER["authority"],
        "--reason", ORDER["reason"], "--actor", ORDER["actor"], *data,
    )  # fmt: skip
    stopped = json.loads(run_fengkong("score", *data, stdin=json.dumps(debit("card-only", 5, "card-9"))))
    assert stopped["decision"] == "stop_payment"


def test_tracing_reports_cash_taken_out_as_an_exit_and_stops_only_what_is_held(full_pack_client: TestClient) -> None:
    def move(event_id: str, minute: int, account: str, txn_type: str, amount: str, **extra: Any) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "type": "transaction",
            "occurred_at": f"2026-11-02T11:{minute:02d}:00+08:00",
            "customer_id": f"c-{account}",
            "account_id": account,
            "txn_type": txn_type,
            "channel": "atm" if txn_type == "withdrawal" else "mobile_banking",
            "amount": amount,
            **extra,
        }

    for event in (
        move("victim-pays", 0, "victim", "transfer", "3000.00", counterparty_account_id="mule"),
        move("mule-cash", 10, "mule", "withdrawal", "2000.00", terminal_id="atm-7"),
    ):
        assert full_pack_client.post("/v1/events", json=event).json()["decision"] in ("approve", "review"), event
    traced = full_pack_client.post("/v1/trace:stop", json={"event_id": "victim-pays", **ORDER}).json()
    (mule,) = traced["trace"]["accounts"]
    assert (mule["remaining"], mule["exited"]) == ("1000.00", "2000.00")
    assert mule["exits"][0]["kind"] == "withdrawal" and traced["trace"]["exited_total"] == "2000.00"
    assert [s["value"] for s in traced["stop_payments"]] == ["mule"]
    refused = full_pack_client.post("/v1/trace", json={"event_id": "mule-cash"})
    assert refused.status_code == 422 and "not a stored transfer" in refused.json()["error"]["message"]


OWNER = "11010519491231002X"
RENTED = {"reason": "sold to a fraud ring", "evidence": "PSB notice 88", "source": "police", "actor": "ops"}


def test_the_credit_database_report_over_http(full_pack_client: TestClient) -> None:
    made = full_pack_client.post(
        "/v1/penalties/rented-accounts", json={"account_id": "acct-r", "owner_id_number": OWNER, **RENTED}
    )
    assert made.status_code == 201
    rows = full_pack_client.get("/v1/penalties/report").json()
    assert [r["penalty"] for r in rows] == ["non_counter_and_payment_business_suspended", "no_new_accounts"]
    assert all(r["id_number"] is None and r["id_number_masked"] == "110105********002X" for r in rows)
    assert rows[0]["expires_at"][:4] != rows[1]["expires_at"][:4]  # 5 years and 3 years
    in_four_years = (datetime.now(UTC) + timedelta(days=4 * 365)).isoformat()
    later = full_pack_client.get("/v1/penalties/report", params={"at": in_four_years}).json()
    assert [r["penalty"] for r in later] == ["non_counter_and_payment_business_suspended"]  # 3 years are over


@pytest.mark.slow  # subprocesses
def test_the_credit_database_report_joins_the_banks_own_numbers(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "d")]
    run_fengkong("penalty", "rented", "acct-r", OWNER, *[f"--{k}={v}" for k, v in RENTED.items()], *data)
    kyc = tmp_path / "kyc.csv"
    kyc.write_text("110105194912310021\n11010519491231002x,customer-7\nnot-a-number\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    run_fengkong("penalty", "report", "--identities", str(kyc), "--out", str(report), *data)
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["penalty"], r["id_number"]) for r in rows] == [
        ("non_counter_and_payment_business_suspended", OWNER),
        ("no_new_accounts", OWNER),
    ]
    stored = b"".join(p.read_bytes() for p in (tmp_path / "d").rglob("*") if p.is_file())
    assert OWNER.encode() not in stored and b"110105194912310021" not in stored  # nothing kept in clear
