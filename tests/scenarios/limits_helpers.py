"""Shared pieces for the limit tests: a platform with only the limit and account rule files."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fengkong import Platform, Settings
from fengkong.adapters.rulefiles import BUILTIN_RULES
from fengkong.bootstrap import build_platform

CST = timezone(timedelta(hours=8))
LIMIT_RULES = (BUILTIN_RULES / "40-limits.yaml", BUILTIN_RULES / "45-accounts.yaml")
_ids = itertools.count()

# Outcomes forced by a field of the event, beside the limit rules: the lifecycle is what is tested.
HOLD_RULES = """\
rules:
  - id: t.review
    description: {zh: 测试审核, en: Held for review (test)}
    applies_to: {event_types: [transaction]}
    when: extra("hold") == "review"
    outcome: {decision: review, score: 50, reason: TEST_REVIEW}
  - id: t.step_up
    description: {zh: 测试验证, en: Step-up (test)}
    applies_to: {event_types: [transaction]}
    when: extra("hold") == "step_up"
    outcome: {decision: step_up, score: 40, reason: TEST_STEP_UP, required_factors: [biometric]}
  - id: t.delay
    description: {zh: 测试延迟结算, en: Settlement delayed (test)}
    applies_to: {event_types: [transaction]}
    when: extra("hold") == "delay"
    outcome: {decision: delay_settlement, score: 30, reason: TEST_DELAY}
"""


@contextmanager
def limits_platform(tmp: Path) -> Iterator[Platform]:
    with build_platform(Settings.embedded(tmp / f"data{next(_ids)}", rule_paths=LIMIT_RULES)) as platform:
        yield platform


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def payment(
    account: str,
    at: datetime,
    amount: str,
    *,
    kind: str = "bank",
    cls: str = "II",
    txn_type: str = "purchase",
    customer: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "event_id": unique("t"),
        "type": "transaction",
        "occurred_at": at.isoformat(),
        "customer_id": customer or f"cust-{account}",
        "account_id": account,
        "account_kind": kind,
        "account_class": cls,
        "txn_type": txn_type,
        "channel": "mobile_banking",
        "amount": amount,
        **extra,
    }


def at(day: int, hour: float = 10) -> datetime:
    return datetime(2024, 3, 1, tzinfo=CST) + timedelta(days=day, hours=hour)
