"""The hash-chained audit log in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain import audit as chain
from fengkong.domain.audit import AuditRecord, ChainCheck


class MemoryAuditLog:
    """AuditLog in memory; `hash_hex` is the chain's hash (SM3)."""

    def __init__(self, uow: MemoryUnitOfWork, hash_hex: Callable[[bytes], str]):
        self._uow = uow
        self._hash = hash_hex
        self._records: list[AuditRecord] = []

    def append(self, actor: str, action: str, subject: str, reason: str, payload: object) -> AuditRecord:
        body = chain.canonical(payload)
        at = datetime.now(UTC).isoformat()
        with self._uow.atomic():
            seq = len(self._records) + 1
            prev = self._records[-1].hash if self._records else chain.GENESIS
            record = AuditRecord(
                seq,
                at,
                actor,
                action,
                subject,
                reason,
                body,
                prev,
                chain.digest(seq, at, actor, action, subject, reason, body, prev, self._hash),
            )
            self._records.append(record)
            self._uow.journal(self._records.pop)
            return record

    def records(self, after: int = 0, limit: int | None = None) -> list[AuditRecord]:
        with self._uow.reading():
            found = [r for r in self._records if r.seq > after]
        return found if limit is None else found[:limit]

    def verify(self) -> ChainCheck:
        return chain.verify(self.records(), self._hash)
