"""Reference data in memory, with the history of every change."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.ports import ReferenceChange


class MemoryReferenceStore:
    """ReferenceStore in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._records: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}  # -> (record, version)
        self._history: list[ReferenceChange] = []
        self._stamp = 0

    def load(self) -> dict[tuple[str, str], dict[str, Any]]:
        with self._uow.reading():
            return {key: copy.deepcopy(record) for key, (record, _) in self._records.items()}

    def put(self, kind: str, entity_id: str, record: dict[str, Any] | None, actor: str, reason: str) -> ReferenceChange:
        with self._uow.atomic():
            key = (kind, entity_id)
            previous = self._records.get(key)
            version = (
                previous[1]
                if previous
                else max((c.version for c in self._history if (c.kind, c.entity_id) == key), default=0)
            ) + 1
            if record is None:
                self._records.pop(key, None)
            else:
                self._records[key] = (copy.deepcopy(record), version)
            change = ReferenceChange(
                kind, entity_id, copy.deepcopy(record), version, datetime.now(UTC).isoformat(), actor, reason
            )
            self._history.append(change)
            self._stamp += 1
            self._uow.journal(self._unstamp)
            self._uow.journal(lambda: self._undo(key, previous))
            return change

    def _undo(self, key: tuple[str, str], previous: tuple[dict[str, Any], int] | None) -> None:
        self._history.pop()
        if previous is None:
            self._records.pop(key, None)
        else:
            self._records[key] = previous

    def history(self, kind: str, entity_id: str) -> list[ReferenceChange]:
        with self._uow.reading():
            return [c for c in self._history if c.kind == kind and c.entity_id == entity_id]

    def stamp(self) -> int:
        return self._stamp

    def _unstamp(self) -> None:
        self._stamp -= 1
