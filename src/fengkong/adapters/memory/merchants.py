"""Merchant and terminal records in memory."""

from __future__ import annotations

import copy
from typing import Any

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork


class MemoryMerchantStore:
    """MerchantStore in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._records: dict[tuple[str, str], tuple[dict[str, Any], str, str | None]] = {}
        self._stamp = 0

    def put(
        self, kind: str, entity_id: str, record: dict[str, Any], status: str, identity_hash: str | None = None
    ) -> None:
        with self._uow.atomic():
            key = (kind, entity_id)
            previous = self._records.get(key)
            self._records[key] = (copy.deepcopy(record), status, identity_hash)
            self._stamp += 1
            self._uow.journal(self._unstamp)
            self._uow.journal(
                lambda: self._records.pop(key) if previous is None else self._records.__setitem__(key, previous)
            )

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        found = self._records.get((kind, entity_id))
        return None if found is None else copy.deepcopy(found[0])

    def all(self, kind: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        with self._uow.reading():
            return [
                (k, e, copy.deepcopy(r))
                for (k, e), (r, _, _) in sorted(self._records.items())
                if kind is None or k == kind
            ]

    def count_identity(self, kind: str, identity_hash: str, excluding: str) -> int:
        with self._uow.reading():
            return sum(
                1 for (k, e), (_, _, h) in self._records.items() if k == kind and h == identity_hash and e != excluding
            )

    def stamp(self) -> int:
        return self._stamp

    def _unstamp(self) -> None:
        self._stamp -= 1
