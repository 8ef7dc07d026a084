"""Lists and orders by event time (issue 13, part 1), end to end through the command line: an
order applies to events stamped after everything decided before it, a removal ends an entry at
that point rather than deleting it, and a backtest of the same events with the list's history
decides exactly as live did."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.access import cli_key
from tests.integration.helpers import essence, run_fengkong, score_events

START = datetime(2025, 3, 14, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # long before the wall clock
MULE = "6230 5830 0007 7777"


def pay(event_id: str, minute: float, source: str, payee: str = "6230 5890 0001 0001") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": (START + timedelta(minutes=minute)).isoformat(),
        "customer_id": f"c-{source[-4:]}",
        "account_id": source,
        "counterparty_account_id": payee,
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "amount": "200.00",
    }


def ts(minute: float) -> float:
    return (START + timedelta(minutes=minute)).timestamp()


def moment(iso: str | None) -> float | None:
    return None if iso is None else datetime.fromisoformat(iso).timestamp()


def test_an_order_applies_from_the_streams_time_ends_there_and_a_backtest_decides_as_live_did(tmp_path: Path) -> None:
    data = tmp_path / "live"
    where = ("--data-dir", str(data))
    analyst, supervisor = cli_key(data, "analyst"), cli_key(data, "supervisor")
    live: list[dict[str, Any]] = []

    history = [pay(f"h{i}", i * 10, MULE if i % 2 else f"6230 5830 0001 {i:04d}") for i in range(7)]  # to +60
    live += score_events(data, history)
    assert all(a["decision"] == "approve" for a in live)

    order = json.loads(
        run_fengkong(
            "stop", MULE, "--credential", supervisor, "--reason", "victim's report",
            "--case", "GA-2025-0314-9", "--authority", "PSB Xicheng", *where,
        )
    )  # fmt: skip
    # stamped by the stream's clock (just after +60, the latest event decided), not the wall clock
    started = moment(order["starts_at"])
    assert started is not None and ts(60) < started < ts(60) + 0.001
    ended = moment(order["expires_at"])
    assert ended is not None and abs(ended - (started + 48 * 3600)) < 0.001  # the policy's 48 h, on event time

    during = [
        pay("mule-pays", 70, MULE),
        pay("late-after-order-time", 61, MULE),  # sent late; stamped after the order took effect
        pay("late-before-order", 50, MULE),  # sent late; happened before the order: decided as it was then
    ]
    answers = {a["event_id"]: a for a in score_events(data, during)}
    live += [answers[e["event_id"]] for e in during]
    assert answers["mule-pays"]["decision"] == "stop_payment"
    assert answers["late-after-order-time"]["decision"] == "stop_payment"
    assert answers["late-before-order"]["decision"] == "approve"

    # the order is released (four eyes): it ends just after +70, the stream's time then
    request = json.loads(
        run_fengkong("lists", "remove", str(order["id"]), "--credential", analyst, "--reason", "case closed", *where)
    )
    run_fengkong("changes", "approve", str(request["id"]), "--credential", supervisor, *where)
    after = [pay("mule-pays-again", 80, MULE), pay("late-while-in-force", 65, MULE)]
    answers = {a["event_id"]: a for a in score_events(data, after)}
    live += [answers[e["event_id"]] for e in after]
    assert answers["mule-pays-again"]["decision"] != "stop_payment"  # (other rules still see a burst)
    assert answers["late-while-in-force"]["decision"] == "stop_payment"  # the order was in force at 65

    # the entry was ended, not deleted: the list's history shows it with its end
    # a backtest: a new installation, the list's history imported as it stands, the same events
    # in the same order: every answer is the live one
    assert json.loads(run_fengkong("lists", "show", "stop_payment", MULE, *where)) == []
    shown = json.loads(run_fengkong("lists", "show", "stop_payment", MULE, *where, "--all"))
    assert len(shown) == 1 and shown[0]["id"] == order["id"] and shown[0]["starts_at"] == order["starts_at"]
    removed_at = moment(shown[0]["ended_at"])
    assert removed_at is not None and ts(70) < removed_at < ts(70) + 0.001
    assert shown[0]["expires_at"] == order["expires_at"]  # the planned expiry stays; the removal is its own time
    table = io.StringIO()
    columns = ["value", "reason", "evidence", "starts_at", "expires_at", "ended_at", "case_number", "authority"]
    writer = csv.DictWriter(table, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({**e, "value": MULE} for e in shown)
    (tmp_path / "history.csv").write_text(table.getvalue(), encoding="utf-8")
    fresh = tmp_path / "backtest"
    keeper = cli_key(fresh, "list_manager")
    run_fengkong(
        "lists", "import", "stop_payment", str(tmp_path / "history.csv"), "--credential", keeper,
        "--source", "live history", "--data-dir", str(fresh),
    )  # fmt: skip
    replayed = score_events(fresh, [*history, *during, *after])
    assert [essence(a) for a in replayed] == [essence(a) for a in live]


def test_an_ended_entry_is_imported_only_with_its_start_and_the_error_names_the_column(tmp_path: Path) -> None:
    data = tmp_path / "d"
    keeper = cli_key(data, "list_manager")
    rows = (
        "value,reason,starts_at,ended_at\n"
        f"{MULE},no start,,2025-03-14T10:00:00+08:00\n"
        f"{MULE},ends before it starts,2025-03-14T10:00:00+08:00,2025-03-14T09:00:00+08:00\n"
        f"{MULE},history,2025-03-14T09:00:00+08:00,2025-03-14T10:00:00+08:00\n"
    )
    (tmp_path / "rows.csv").write_text(rows, encoding="utf-8")
    done = run_fengkong(
        "lists", "import", "suspicious_account", str(tmp_path / "rows.csv"), "--credential", keeper,
        "--source", "history", "--data-dir", str(data),
    )  # fmt: skip
    assert json.loads(done) == {"added": 1, "errors": 2}
    history = json.loads(run_fengkong("lists", "show", "suspicious_account", MULE, "--all", "--data-dir", str(data)))
    assert [(e["reason"], moment(e["ended_at"])) for e in history] == [("history", ts(60))]
    # a payment to the account while the entry was in force is answered by it, one after is not
    answers = score_events(
        data, [pay("while", 30, "6230 5830 0002 0002", MULE), pay("after", 90, "6230 5830 0003 0003", MULE)]
    )
    assert "SUSPICIOUS_ACCOUNT" in {r["code"] for r in answers[0]["reasons"]}
    assert "SUSPICIOUS_ACCOUNT" not in {r["code"] for r in answers[1]["reasons"]}
