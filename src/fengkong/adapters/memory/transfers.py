"""The transfer index in memory."""

from __future__ import annotations

from collections.abc import Sequence

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.tracing import Transfer


class MemoryTransferLog:
    """TransferLog in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._moves: list[tuple[Transfer, str]] = []

    def record(self, moves: Sequence[tuple[Transfer, str]]) -> None:
        with self._uow.atomic():
            before = len(self._moves)
            self._moves.extend(moves)
            self._uow.journal(lambda: self._moves.__delitem__(slice(before, None)))

    def settle(self, event_id: str, decision: str) -> None:
        with self._uow.atomic():
            before = list(self._moves)
            self._moves = [(t, decision if t.event_id == event_id else d) for t, d in self._moves]
            self._uow.journal(lambda: setattr(self, "_moves", before))

    def get(self, event_id: str) -> Transfer | None:
        with self._uow.reading():
            return next((t for t, _ in self._moves if t.event_id == event_id), None)

    def outgoing(self, accounts: Sequence[str], since: float, until: float) -> list[Transfer]:
        wanted = set(accounts)
        with self._uow.reading():
            return [
                t
                for t, decision in self._moves
                if decision == "approve" and t.from_account in wanted and since <= t.ts <= until
            ]
