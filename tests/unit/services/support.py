"""Shared data and small builders for the service tests (no fixtures here: see conftest.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fengkong.services.platform import Platform
from tests.integration.helpers import txn

purchase = txn  # one builder of test purchases for the whole suite


def named(platform: Platform, *accounts: str) -> dict[str, str]:
    """Account references back to the names a test gave the accounts (fengkong keeps only the
    references of account numbers)."""
    return {platform.lists.key_of("involved_account", a): a for a in accounts}


# A small rule set: one count feature and one rule, so state carried between events is visible.
BURST_RULES = """\
features:
  - name: cust_txn_10m
    entity: customer
    aggregate: count
    window: 10m
    where: event.type == "transaction"
rules:
  - id: t.burst
    description: {zh: 十分钟内多笔, en: Several in ten minutes}
    applies_to: {event_types: [transaction]}
    when: features.cust_txn_10m >= 2
    outcome: {decision: review, score: 60, reason: BURST}
"""

# Luhn-valid card numbers and GB 11643-valid resident ID numbers (made up).
PAN = "6222021234567890128"
PAN_2 = "6217000000000000004"
ID_NUMBER = "11010519491231002X"
ID_NUMBER_2 = "440304199001011233"


def now_ts() -> float:
    return time.time()


def iso_in(hours: float) -> str:
    """An ISO-8601 time with offset, `hours` from now (negative: in the past)."""
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def transfer(event_id: str, source: str, target: str, amount: str, minute: int, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "account_id": source,
        "counterparty_account_id": target,
        "amount": amount,
        "occurred_at": f"2024-03-01T10:{minute:02d}:00+08:00",
        **extra,
    }


def audit_actions(platform: Platform) -> list[str]:
    return [record.action for record in platform.audit.records()]
