"""Maker-checker requests in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.changes import ChangeRequest, RequestStatus


class MemoryChangeRequests:
    """ChangeRequests in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._requests: dict[int, ChangeRequest] = {}

    def create(self, action: str, payload: dict[str, Any], maker: str, reason: str) -> ChangeRequest:
        with self._uow.atomic():
            request = ChangeRequest(
                len(self._requests) + 1, action, dict(payload), maker, reason, datetime.now(UTC).isoformat()
            )
            self._requests[request.id] = request
            self._uow.journal(lambda: self._requests.pop(request.id))
            return request

    def get(self, request_id: int) -> ChangeRequest | None:
        return self._requests.get(request_id)

    def pending(self) -> list[ChangeRequest]:
        with self._uow.reading():
            return [r for r in self._requests.values() if r.status == RequestStatus.PENDING.value]

    def decide(self, request_id: int, status: str, checker: str, note: str) -> bool:
        with self._uow.atomic():
            request = self._requests.get(request_id)
            if request is None or request.status != RequestStatus.PENDING.value:
                return False
            self._requests[request_id] = replace(request, status=status, checker=checker, checker_note=note)
            self._uow.journal(lambda: self._requests.__setitem__(request_id, request))
            return True
