"""What the decision path reads besides feature state, held in memory: reference records and
the list index. Changes made through this process update it at once; changes made elsewhere
(the CLI, another node) are picked up by `refresh` when the audit stamp moves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fengkong.domain.lists.index import ListEntry, ListIndex
from fengkong.domain.lists.types import LIST_TYPES, phone_key
from fengkong.domain.ports import IdentifierProtector


class ControlsCache:
    def __init__(self, protector: IdentifierProtector):
        self.protector = protector
        self.reference_records: dict[str, dict[str, Any]] = {}
        self.lists = ListIndex()
        self.tokens: dict[str, dict[str, Any]] = {}  # payment token -> status and domain controls

    def reference(self, kind: str, entity_key: str) -> Mapping[str, Any] | None:
        if kind == "payment_token":
            return self.tokens.get(entity_key.split("|", 1)[1])
        return self.reference_records.get(f"{kind}:{entity_key}")

    def listed(self, list_type: str, value: str, ts: float) -> dict[str, Any] | None:
        kind = LIST_TYPES.get(list_type)
        if kind is None or list_type not in self.lists.types:
            return None
        key = phone_key(value, self.protector) if kind.entity == "phone" else value
        return self.lists.lookup(list_type, key, ts)

    def load_lists(self, entries: list[ListEntry]) -> None:
        self.lists = ListIndex(entries)
