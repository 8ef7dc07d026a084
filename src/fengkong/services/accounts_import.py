"""Bulk import of existing accounts into the account registry (CSV), with a per-row report.

Each row becomes an `account_open` event marked `imported: true`, decided by the same engine:
the account is registered whatever the rules say about it (it exists already), and the rules'
findings on existing accounts (a second class I account, a shared phone) are reported.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from fengkong.domain.decisions import Decision, EventError
from fengkong.domain.errors import InputError
from fengkong.services.decide import Engine

COLUMNS = (
    "account_id",
    "customer_id",
    "account_kind",
    "account_class",
    "institution_id",
    "opened_at",
    "id_number",
    "phone",
    "verification_channels",
    "face_to_face",
    "name",
)
REQUIRED = ("account_id", "account_kind", "account_class", "institution_id", "opened_at")


@dataclass(frozen=True, slots=True)
class RowResult:
    row: int  # 1-based data row (the header is row 0)
    account_id: str
    outcome: str  # imported | flagged | error
    field: str = ""
    message: str = ""


def _row_to_event(row: dict[str, str]) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": f"import:{row.get('institution_id', '')}:{row.get('account_id', '')}",
        "type": "account_open",
        "occurred_at": row.get("opened_at") or None,
        "imported": True,
    }
    for name in COLUMNS:
        value = (row.get(name) or "").strip()
        if not value or name == "opened_at":
            continue
        if name == "verification_channels":
            event[name] = int(value) if value.isdigit() else value
        elif name == "face_to_face":
            event[name] = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(
                value.lower(), value
            )
        else:
            event[name] = value
    return event


def read_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(handle)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError("(header)", f"the CSV header lacks {', '.join(missing)}; columns: {', '.join(COLUMNS)}")
    yield from enumerate(reader, start=1)


def import_accounts(engine: Engine, rows: Iterable[tuple[int, dict[str, str]]], batch: int = 500) -> list[RowResult]:
    results: list[RowResult] = []
    pending: list[tuple[int, dict[str, str]]] = []

    def flush() -> None:
        events = []
        for i, row in pending:
            absent = [c for c in REQUIRED if not (row.get(c) or "").strip()]
            if absent:
                results.append(RowResult(i, row.get("account_id", ""), "error", absent[0], "is required"))
                continue
            events.append((i, row, _row_to_event(row)))
        for (i, row, _), answer in zip(events, engine.decide_many([e for _, _, e in events]), strict=True):
            account = row.get("account_id", "")
            if isinstance(answer, EventError):
                results.append(RowResult(i, account, "error", answer.first.field, answer.first.message))
            elif isinstance(answer, Decision) and answer.decision.value != "approve":
                codes = "; ".join(f"{r.code}: {r.message_en}" for r in answer.reasons if r.outcome.value != "approve")
                results.append(RowResult(i, account, "flagged", answer.decision.value, codes))
            else:
                results.append(RowResult(i, account, "imported"))
        pending.clear()

    for item in rows:
        pending.append(item)
        if len(pending) >= batch:
            flush()
    flush()
    return results
