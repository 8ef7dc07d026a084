"""What is exchanged with sharing peers, in memory (lost with the process: for tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.ports import OutboxItem


class MemorySharingPeerLog:
    """SharingPeerLog in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._items: list[OutboxItem] = []
        self._cursors: dict[str, int] = {}

    def enqueue(self, peer: str, report_id: str, payload: str) -> None:
        with self._uow.atomic():
            item = OutboxItem(len(self._items) + 1, peer, report_id, payload, "pending", 0, None, datetime.now(UTC))
            self._items.append(item)
            self._uow.journal(self._items.pop)

    def pending(self, peer: str, limit: int) -> list[OutboxItem]:
        with self._uow.reading():
            return [i for i in self._items if i.peer == peer and i.state == "pending"][:limit]

    def mark_sent(self, item_id: int) -> None:
        self._change(item_id, state="sent", sent_at=datetime.now(UTC))

    def mark_failed(self, item_id: int, error: str, *, refused: bool) -> None:
        self._change(item_id, state="refused" if refused else "pending", last_error=error[:500])

    def _change(self, item_id: int, **values: object) -> None:
        with self._uow.atomic():
            before = self._items[item_id - 1]
            self._items[item_id - 1] = replace(before, attempts=before.attempts + 1, **values)  # type: ignore[arg-type]

            def undo() -> None:
                self._items[item_id - 1] = before

            self._uow.journal(undo)

    def outbox(self, limit: int = 100) -> list[OutboxItem]:
        with self._uow.reading():
            return list(reversed(self._items[-limit:])) if limit > 0 else []

    def cursor(self, peer: str) -> int:
        return self._cursors.get(peer, 0)

    def set_cursor(self, peer: str, position: int) -> None:
        with self._uow.atomic():
            before = self._cursors.get(peer)
            self._cursors[peer] = position

            def undo() -> None:
                if before is None:
                    self._cursors.pop(peer, None)
                else:
                    self._cursors[peer] = before

            self._uow.journal(undo)
