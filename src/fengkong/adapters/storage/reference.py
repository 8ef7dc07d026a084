"""Reference data (customer limits, transfer agreements) in the same SQL database, with every
change appended to a history table (who, when, why, what)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from fengkong import jsonio
from fengkong.adapters.storage.sql import make_engine
from fengkong.adapters.storage.tables import reference_data, reference_history
from fengkong.domain.ports import ReferenceChange


class SqlReferenceStore:
    def __init__(self, url: str):
        self.engine = make_engine(url)
        self._lock = threading.Lock()

    def load(self) -> dict[tuple[str, str], dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(reference_data.c.kind, reference_data.c.entity_id, reference_data.c.record))
            return {(kind, entity_id): jsonio.loads(record) for kind, entity_id, record in rows}

    def put(self, kind: str, entity_id: str, record: dict[str, Any] | None, actor: str, reason: str) -> ReferenceChange:
        now = datetime.now(UTC)
        with self._lock, self.engine.begin() as conn:
            current = conn.execute(
                select(reference_data.c.version).where(
                    reference_data.c.kind == kind, reference_data.c.entity_id == entity_id
                )
            ).scalar()
            version = (current or 0) + 1
            if record is None:
                conn.execute(delete(reference_data).where(reference_data.c.kind == kind, reference_data.c.entity_id == entity_id))
            elif current is None:
                conn.execute(insert(reference_data).values(kind=kind, entity_id=entity_id, record=jsonio.dumps_str(record),
                                                           version=version, updated_at=now, updated_by=actor, reason=reason))
            else:
                conn.execute(update(reference_data).where(reference_data.c.kind == kind, reference_data.c.entity_id == entity_id)
                             .values(record=jsonio.dumps_str(record), version=version, updated_at=now, updated_by=actor, reason=reason))
            conn.execute(insert(reference_history).values(
                kind=kind, entity_id=entity_id, record=None if record is None else jsonio.dumps_str(record),
                version=version, changed_at=now, changed_by=actor, reason=reason))
        return ReferenceChange(kind, entity_id, record, version, now.isoformat(), actor, reason)

    def history(self, kind: str, entity_id: str) -> list[ReferenceChange]:
        stmt = (select(reference_history).where(reference_history.c.kind == kind, reference_history.c.entity_id == entity_id)
                .order_by(reference_history.c.id))
        with self.engine.connect() as conn:
            return [
                ReferenceChange(r.kind, r.entity_id, None if r.record is None else jsonio.loads(r.record), r.version,
                                r.changed_at.isoformat(), r.changed_by, r.reason)
                for r in conn.execute(stmt)
            ]

    def stamp(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(reference_history)).scalar() or 0)

    def close(self) -> None:
        self.engine.dispose()
