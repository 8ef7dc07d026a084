"""List entries in memory."""

from __future__ import annotations

from dataclasses import replace

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.lists.index import ListEntry


class MemoryListStore:
    """ListStore in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._entries: dict[int, tuple[ListEntry, bool]] = {}  # id -> (entry, kept)
        self._stamp = 0

    def add(self, entry: ListEntry) -> ListEntry:
        with self._uow.atomic():
            stored = replace(entry, id=len(self._entries) + 1)
            self._entries[stored.id] = (stored, True)
            self._stamp += 1
            self._uow.journal(self._unstamp)
            self._uow.journal(lambda: self._entries.pop(stored.id))
            return stored

    def end(self, entry_id: int, at: float) -> ListEntry | None:
        with self._uow.atomic():
            found = self._entries.get(entry_id)
            if found is None or not found[1]:
                return None
            entry = found[0]
            if not entry.ended_by(at):
                self._entries[entry_id] = (replace(entry, ended_at=at), True)
                self._uow.journal(lambda: self._entries.__setitem__(entry_id, found))
            self._stamp += 1
            self._uow.journal(self._unstamp)
            return self._entries[entry_id][0]

    def get(self, entry_id: int) -> ListEntry | None:
        found = self._entries.get(entry_id)
        return found[0] if found is not None and found[1] else None

    def all(self) -> list[ListEntry]:
        with self._uow.reading():
            return [entry for entry, kept in self._entries.values() if kept]

    def find(self, list_type: str, match_key: str) -> list[ListEntry]:
        return [e for e in self.all() if e.list_type == list_type and e.match_key == match_key]

    def stamp(self) -> int:
        return self._stamp

    def _unstamp(self) -> None:
        self._stamp -= 1
