"""Merchant and terminal records on SQL (JSON per record, one table)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from fengkong import jsonio
from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.tables import registry


class SqlMerchantStore:
    """MerchantStore over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def put(
        self, kind: str, entity_id: str, record: dict[str, Any], status: str, identity_hash: str | None = None
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(delete(registry).where(registry.c.kind == kind, registry.c.entity_id == entity_id))
            conn.execute(
                insert(registry).values(
                    kind=kind,
                    entity_id=entity_id,
                    record=jsonio.dumps_str(record),
                    status=status,
                    identity_hash=identity_hash,
                    updated_at=datetime.now(UTC),
                )
            )
            stamps.bump(conn, "merchants")

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        stmt = select(registry.c.record).where(registry.c.kind == kind, registry.c.entity_id == entity_id)
        with self._db.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else jsonio.loads(row[0])

    def all(self, kind: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        stmt = select(registry.c.kind, registry.c.entity_id, registry.c.record).order_by(
            registry.c.kind, registry.c.entity_id
        )
        if kind is not None:
            stmt = stmt.where(registry.c.kind == kind)
        with self._db.connect() as conn:
            return [(k, e, jsonio.loads(r)) for k, e, r in conn.execute(stmt)]

    def count_identity(self, kind: str, identity_hash: str, excluding: str) -> int:
        stmt = (
            select(func.count())
            .select_from(registry)
            .where(
                registry.c.kind == kind, registry.c.identity_hash == identity_hash, registry.c.entity_id != excluding
            )
        )
        with self._db.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def stamp(self) -> int:
        with self._db.connect() as conn:
            return stamps.read(conn, "merchants")
