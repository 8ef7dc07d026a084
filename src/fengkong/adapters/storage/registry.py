"""Merchant and terminal registry records (JSON per record, one table)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from fengkong import jsonio
from fengkong.adapters.storage.sql import make_engine
from fengkong.adapters.storage.tables import registry


class SqlRegistryStore:
    def __init__(self, url: str):
        self.engine = make_engine(url)

    def put(self, kind: str, entity_id: str, record: dict[str, Any], status: str, identity_hash: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(registry).where(registry.c.kind == kind, registry.c.entity_id == entity_id))
            conn.execute(insert(registry).values(kind=kind, entity_id=entity_id, record=jsonio.dumps_str(record),
                                                 status=status, identity_hash=identity_hash, updated_at=datetime.now(UTC)))

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(registry.c.record).where(registry.c.kind == kind, registry.c.entity_id == entity_id)).first()
        return None if row is None else jsonio.loads(row[0])

    def all(self, kind: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        stmt = select(registry.c.kind, registry.c.entity_id, registry.c.record)
        if kind is not None:
            stmt = stmt.where(registry.c.kind == kind)
        with self.engine.connect() as conn:
            return [(k, e, jsonio.loads(r)) for k, e, r in conn.execute(stmt)]

    def count_identity(self, kind: str, identity_hash: str, excluding: str) -> int:
        stmt = select(func.count()).select_from(registry).where(
            registry.c.kind == kind, registry.c.identity_hash == identity_hash, registry.c.entity_id != excluding)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def stamp(self) -> int:
        with self.engine.connect() as conn:
            latest = conn.execute(select(func.max(registry.c.updated_at))).scalar()
            count = conn.execute(select(func.count()).select_from(registry)).scalar() or 0
        return hash((str(latest), count))

    def close(self) -> None:
        self.engine.dispose()
