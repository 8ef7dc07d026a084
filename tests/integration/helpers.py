"""Small shared helpers for integration tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

COUNT_RULES = """\
features:
  - name: cust_txn_10m
    entity: customer
    aggregate: count
    window: 10m
    where: event.type == "transaction"
  - name: cust_sum_today
    entity: customer
    aggregate: sum
    of: amount
    window: today
    where: event.type == "transaction" and decision == "approve"
rules:
  - id: t.burst
    description: {zh: 十分钟内多笔, en: Several in ten minutes}
    applies_to: {event_types: [transaction]}
    when: features.cust_txn_10m >= 2
    outcome: {decision: review, score: 60, reason: BURST}
  - id: t.daily
    description: {zh: 日累计超限, en: Daily total over 1000}
    applies_to: {event_types: [transaction]}
    when: features.cust_sum_today + event.amount > 1000
    outcome:
      decision: reject
      score: 90
      reason: DAILY_TOTAL
      message:
        zh: "今日已用 {features.cust_sum_today} 元"
        en: "{features.cust_sum_today} yuan used today"
"""


def txn(event_id: str, minute: int, amount: str = "100.00", customer: str = "c1", **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": f"2024-03-01T10:{minute:02d}:00+08:00",
        "customer_id": customer,
        "txn_type": "purchase",
        "channel": "pos",
        "amount": amount,
        **extra,
    }


def essence(decision: dict[str, Any]) -> tuple[Any, ...]:
    """What must match between two runs: outcome, score and the reasons with their messages."""
    return (
        decision.get("event_id"),
        decision.get("decision"),
        decision.get("score"),
        tuple((r["code"], r["message_zh"], r["message_en"]) for r in decision.get("reasons", [])),
        (decision.get("error") or {}).get("field"),
    )


def score_events(data_dir: Path, events: list[dict[str, Any]], *args: str) -> list[dict[str, Any]]:
    """`fengkong score` in a new process on `data_dir`: one answer per event, in order."""
    done = subprocess.run(
        [sys.executable, "-m", "fengkong", "score", "--data-dir", str(data_dir), *args],
        input="".join(json.dumps(e) + "\n" for e in events).encode(),
        capture_output=True,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def rule_args(paths: tuple[Path, ...]) -> list[str]:
    return [arg for path in paths for arg in ("--rules", str(path))]


def run_fengkong(*args: str, stdin: str = "") -> str:
    """The command line in a new process; its standard output (fails the test on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "fengkong", *args], input=stdin.encode(), capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()
