"""Orders hold on every path, with the complete rule pack, over HTTP and the command line: a
card-only debit is its account's debit (through the card↔account link)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fengkong.services.platform import Platform
from tests.access import bearer, cli_key
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
        "--reason", ORDER["reason"], "--credential", cli_key(tmp_path / "d", "supervisor"), *data,
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
    assert [s["value"] for s in traced["stop_payments"]] == ["****"]  # "mule": too short to show any of it
    # the account as the police name it finds the entry the trace made from its reference
    (found,) = full_pack_client.get("/v1/lists/stop_payment/entries", params={"value": "mule"}).json()
    assert found["id"] == traced["stop_payments"][0]["id"]
    refused = full_pack_client.post("/v1/trace", json={"event_id": "mule-cash"})
    assert refused.status_code == 422 and "not a stored transfer" in refused.json()["error"]["message"]


OWNER = "11010519491231002X"
RENTED = {"reason": "sold to a fraud ring", "evidence": "PSB notice 88", "source": "police", "actor": "ops"}


def _approved_export(maker: TestClient, checker: dict[str, str]) -> int:
    """An export of the penalty report asked for by `maker` and approved by `checker`."""
    asked = maker.post(
        "/v1/exports", json={"what": "penalty_report", "reason": "monthly report to the credit database"}
    )
    assert asked.status_code == 202, asked.text
    assert maker.post(f"/v1/changes/{asked.json()['id']}:approve", json={}).status_code == 403  # not one's own
    assert maker.post(f"/v1/changes/{asked.json()['id']}:approve", headers=checker, json={}).status_code == 200
    return int(asked.json()["id"])


def test_the_credit_database_report_over_http(full_pack: Platform, full_pack_client: TestClient) -> None:
    made = full_pack_client.post(
        "/v1/penalties/rented-accounts", json={"account_id": "acct-r", "owner_id_number": OWNER, **RENTED}
    )
    assert made.status_code == 201
    asked = full_pack_client.post("/v1/exports", json={"what": "penalty_report", "reason": "monthly"}).json()
    unapproved = full_pack_client.get("/v1/penalties/report", params={"approval": asked["id"]})
    assert unapproved.status_code == 409 and unapproved.json()["error"]["field"] == "approval"
    checker = bearer(full_pack, "supervisor")
    approval = {"approval": _approved_export(full_pack_client, checker)}
    soon = full_pack_client.get("/v1/penalties/report", params={"at": "soon", **approval})
    assert soon.status_code == 422 and soon.json()["error"]["field"] == "at"  # refused before anything is exported
    rows = full_pack_client.get("/v1/penalties/report", params=approval).json()
    assert [r["penalty"] for r in rows] == ["non_counter_and_payment_business_suspended", "no_new_accounts"]
    assert all(r["id_number"] is None and r["id_number_masked"] == "110105********002X" for r in rows)
    assert rows[0]["expires_at"][:4] != rows[1]["expires_at"][:4]  # 5 years and 3 years
    in_four_years = (datetime.now(UTC) + timedelta(days=4 * 365)).isoformat()
    used = full_pack_client.get("/v1/penalties/report", params={"at": in_four_years, **approval})
    assert used.status_code == 409  # an approval serves one export
    again = {"approval": _approved_export(full_pack_client, checker), "at": in_four_years}
    later = full_pack_client.get("/v1/penalties/report", params=again).json()
    assert [r["penalty"] for r in later] == ["non_counter_and_payment_business_suspended"]  # 3 years are over


@pytest.mark.slow  # subprocesses
def test_the_credit_database_report_joins_the_banks_own_numbers(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "d")]
    supervisor = cli_key(tmp_path / "d", "supervisor")
    rented = [f"--{k}={v}" for k, v in RENTED.items() if k != "actor"]
    run_fengkong("penalty", "rented", "acct-r", OWNER, *rented, "--credential", supervisor, *data)
    kyc = tmp_path / "kyc.csv"
    kyc.write_text("110105194912310021\n11010519491231002x,customer-7\nnot-a-number\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    asked = json.loads(
        run_fengkong(
            "exports", "request", "penalty_report", "--reason", "monthly report to the credit database",
            "--credential", supervisor, *data,
        )
    )  # fmt: skip
    export = ("penalty", "report", "--identities", str(kyc), "--out", str(report), "--credential", supervisor, *data)
    unapproved = subprocess.run(
        [sys.executable, "-m", "fengkong", *export, "--approval", str(asked["id"])], capture_output=True
    )
    assert unapproved.returncode == 2 and b"approval" in unapproved.stderr and not report.exists()
    checker = cli_key(tmp_path / "d", "supervisor")
    run_fengkong("changes", "approve", str(asked["id"]), "--credential", checker, *data)
    run_fengkong(*export, "--approval", str(asked["id"]))
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["penalty"], r["id_number"]) for r in rows] == [
        ("non_counter_and_payment_business_suspended", OWNER),
        ("no_new_accounts", OWNER),
    ]
    stored = b"".join(p.read_bytes() for p in (tmp_path / "d").rglob("*") if p.is_file())
    assert OWNER.encode() not in stored and b"110105194912310021" not in stored  # nothing kept in clear
    (exported,) = [json.loads(line) for line in run_fengkong("audit", "list", *data).splitlines() if '"export.' in line]
    assert exported["reason"] == "monthly report to the credit database"
    payload = json.loads(exported["payload"])
    assert payload["rows"] == 2 and payload["approval"] == asked["id"] and payload["roles"] == ["supervisor"]
    assert payload["approved_by"].startswith("key:") and payload["approved_by"] != exported["actor"]


def police(request_id: str, kind: str, accounts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "kind": kind,
        "authority": "Shanghai PSB Xuhui",
        "case_number": "GA-2026-1102-9",
        "officer": "officer-wang",
        "reason": "telecom fraud, victim report",
        "accounts": accounts,
        **extra,
    }


def test_requests_by_electronic_message_over_http(
    full_pack_client: TestClient, full_pack_auditor: dict[str, str]
) -> None:
    until = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    stop = police("REQ-1", "stop_payment", [{"account_id": "mule-1", "until": until}, {"account_id": ""}])
    answer = full_pack_client.post("/v1/requests", json=stop)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "account_id"  # checked whole first
    refused = [
        r
        for r in full_pack_client.get("/v1/audit", headers=full_pack_auditor).json()
        if r["action"] == "request.refused"
    ]
    assert refused and refused[0]["subject"] == "request:REQ-1"  # kept with its reason
    assert full_pack_client.post("/v1/requests", content=b"[1]").status_code == 422
    stop["accounts"] = [{"account_id": "mule-1", "until": until}, {"account_id": "mule-2", "until": "next week"}]
    first = full_pack_client.post("/v1/requests", json=stop).json()
    assert [(r["account_id"], r["status"]) for r in first["results"]] == [("mule-1", "done"), ("mule-2", "refused")]
    assert "expires_at" in first["results"][1]["message"]
    again = full_pack_client.post("/v1/requests", json=stop).json()  # the same message, sent twice
    assert again["results"][0]["status"] == "already_done"
    assert again["results"][0]["entry_id"] == first["results"][0]["entry_id"]
    freeze = police("REQ-2", "freeze", [{"account_id": "mule-3", "amount": "5000.00", "until": until}])
    assert full_pack_client.post("/v1/requests", json=freeze).json()["results"][0]["amount"] == "5000.00"
    query = full_pack_client.post("/v1/requests", json=police("REQ-3", "quick_query", [{"account_id": "mule-1"}]))
    (found,) = query.json()["results"]
    assert [o["list_type"] for o in found["orders"]] == ["stop_payment"] and found["money_out"] == []
    stopped = full_pack_client.post("/v1/events", json=debit("after-order", 30, "card-m1", "mule-1")).json()
    assert stopped["decision"] == "stop_payment"
    actions = [r["action"] for r in full_pack_client.get("/v1/audit", headers=full_pack_auditor).json()]
    assert {"request.stop_payment", "request.freeze", "request.quick_query"} <= set(actions)


def test_a_quick_query_names_the_payees_by_their_numbers_and_says_so_in_the_audit(
    full_pack_client: TestClient, full_pack_auditor: dict[str, str]
) -> None:
    """fengkong keeps account numbers only as references: the answer to the police reveals the
    numbers the money went to (they need them to follow it), for that answer alone."""
    payee = "31001588416050004321"
    sent = {
        "event_id": "mule-5-out",
        "type": "transaction",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "customer_id": "c-mule-5",
        "account_id": "6217 0000 1111 2222",
        "counterparty_account_id": payee,
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "amount": "800.00",
    }
    assert full_pack_client.post("/v1/events", json=sent).json()["decision"] in ("approve", "review")
    query = police("REQ-7", "quick_query", [{"account_id": "6217 0000 1111 2222"}])
    (found,) = full_pack_client.post("/v1/requests", json=query).json()["results"]
    assert [(m["to"], m["amount"]) for m in found["money_out"]] == [(payee, "800.00")]
    revealed = [
        r
        for r in full_pack_client.get("/v1/audit", headers=full_pack_auditor).json()
        if r["action"] == "request.numbers_revealed"
    ]
    assert [(r["subject"], json.loads(r["payload"])["count"]) for r in revealed] == [("request:REQ-7", 1)]


@pytest.mark.slow  # a subprocess
def test_a_request_message_from_the_command_line(tmp_path: Path) -> None:
    message = tmp_path / "request.json"
    message.write_text(json.dumps(police("REQ-9", "stop_payment", [{"account_id": "mule-9"}])), encoding="utf-8")
    client = cli_key(tmp_path / "d", "client")
    answer = json.loads(
        run_fengkong("request", str(message), "--credential", client, "--data-dir", str(tmp_path / "d"))
    )
    assert answer["request_id"] == "REQ-9" and answer["results"][0]["status"] == "done"
