"""The hash-chained audit log on SQL. Appends are serialised by the unit of work's single
writing connection, so each row links to the one before it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert, select

from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.tables import audit_log
from fengkong.domain import audit as chain
from fengkong.domain.audit import AuditRecord, ChainCheck


class SqlAuditLog:
    """AuditLog over the shared Database; `hash_hex` is the chain's hash (SM3)."""

    def __init__(self, db: Database, hash_hex: Callable[[bytes], str]):
        self._db = db
        self._hash = hash_hex

    def append(self, actor: str, action: str, subject: str, reason: str, payload: object) -> AuditRecord:
        body = chain.canonical(payload)
        at = datetime.now(UTC).isoformat()
        with self._db.transaction() as conn:
            last = conn.execute(
                select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
            ).first()
            seq, prev = (1, chain.GENESIS) if last is None else (int(last.seq) + 1, last.hash)
            digest = chain.digest(seq, at, actor, action, subject, reason, body, prev, self._hash)
            conn.execute(
                insert(audit_log).values(
                    seq=seq,
                    at=at,
                    actor=actor,
                    action=action,
                    object=subject,
                    reason=reason,
                    payload=body,
                    prev_hash=prev,
                    hash=digest,
                )
            )
        return AuditRecord(seq, at, actor, action, subject, reason, body, prev, digest)

    def records(self, after: int = 0, limit: int | None = None) -> list[AuditRecord]:
        stmt = select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._db.connect() as conn:
            return [
                AuditRecord(r.seq, r.at, r.actor, r.action, r.object, r.reason, r.payload, r.prev_hash, r.hash)
                for r in conn.execute(stmt)
            ]

    def verify(self) -> ChainCheck:
        return chain.verify(self.records(), self._hash)
