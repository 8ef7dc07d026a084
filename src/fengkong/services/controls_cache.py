"""What the decision path reads besides feature state, held in memory: reference records and
the list index. Changes made through this process update it at once; changes made elsewhere
(the CLI, another node) are picked up by `refresh` when the audit stamp moves."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fengkong.domain.lists.index import ListEntry, ListIndex
from fengkong.domain.lists.types import LIST_TYPES, phone_key
from fengkong.domain.ports import IdentifierProtector

_UNREGISTERED: Mapping[str, Any] = {"status": "unregistered"}
_MONEY = frozenset({"single_limit", "daily_limit"})


class ControlsCache:
    def __init__(self, protector: IdentifierProtector):
        self.protector = protector
        self.reference_records: dict[str, dict[str, Any]] = {}
        self.lists = ListIndex()
        self.tokens: dict[str, dict[str, Any]] = {}  # payment token -> status and domain controls
        self.merchants: dict[str, dict[str, Any]] = {}
        self.terminals: dict[str, dict[str, Any]] = {}

    def reference(self, kind: str, entity_key: str) -> Mapping[str, Any] | None:
        if kind == "payment_token":
            return self.tokens.get(entity_key.split("|", 1)[1])
        if kind == "merchant":
            return self.merchants.get(entity_key.split("|", 1)[1])
        if kind == "terminal":
            record = self.terminals.get(entity_key.split("|", 1)[1])
            if record is None and self.terminals:  # the acquirer keeps a registry: this one is not in it
                return _UNREGISTERED
            return record
        return self.reference_records.get(f"{kind}:{entity_key}")

    def load_registry(self, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        self.merchants, self.terminals = {}, {}
        for kind, entity_id, record in rows:
            self.put_registry(kind, entity_id, record)

    def put_registry(self, kind: str, entity_id: str, record: dict[str, Any]) -> None:
        view = {k: Decimal(v) if k in _MONEY and v is not None else v for k, v in record.items() if k != "findings"}
        (self.merchants if kind == "merchant" else self.terminals)[entity_id] = view

    def listed(self, list_type: str, value: str, ts: float) -> dict[str, Any] | None:
        kind = LIST_TYPES.get(list_type)
        if kind is None or list_type not in self.lists.types:
            return None
        key = phone_key(value, self.protector) if kind.entity == "phone" else value
        return self.lists.lookup(list_type, key, ts)

    def load_lists(self, entries: list[ListEntry]) -> None:
        self.lists = ListIndex(entries)
