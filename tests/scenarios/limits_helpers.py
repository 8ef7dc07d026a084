"""Shared pieces for the limit tests: an engine with only the limit and account rule files."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fengkong import Engine, Settings
from fengkong.bootstrap import build_engine
from fengkong.services.rules_admin import BUILTIN_RULES

CST = timezone(timedelta(hours=8))
LIMIT_RULES = (BUILTIN_RULES / "40-limits.yaml", BUILTIN_RULES / "45-accounts.yaml")
_ids = itertools.count()


@contextmanager
def limits_engine(tmp: Path) -> Iterator[Engine]:
    engine = build_engine(Settings.embedded(tmp / f"data{next(_ids)}", rule_paths=LIMIT_RULES))
    try:
        yield engine
    finally:
        engine.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def payment(account: str, at: datetime, amount: str, *, kind: str = "bank", cls: str = "II",
            txn_type: str = "purchase", customer: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": unique("t"), "type": "transaction", "occurred_at": at.isoformat(),
        "customer_id": customer or f"cust-{account}", "account_id": account, "account_kind": kind,
        "account_class": cls, "txn_type": txn_type, "channel": "mobile_banking", "amount": amount, **extra,
    }


def at(day: int, hour: float = 10) -> datetime:
    return datetime(2024, 3, 1, tzinfo=CST) + timedelta(days=day, hours=hour)
