"""Reference data (customers' limits, transfer agreements, cash-out dispositions) on SQL, with
every change appended to a history table (who, when, why, what)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from fengkong import jsonio
from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database, aware
from fengkong.adapters.sql.tables import reference_data, reference_history
from fengkong.domain.ports import ReferenceChange


class SqlReferenceStore:
    """ReferenceStore over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def load(self) -> dict[tuple[str, str], dict[str, Any]]:
        with self._db.connect() as conn:
            rows = conn.execute(select(reference_data.c.kind, reference_data.c.entity_id, reference_data.c.record))
            return {(kind, entity_id): jsonio.loads(record) for kind, entity_id, record in rows}

    def put(self, kind: str, entity_id: str, record: dict[str, Any] | None, actor: str, reason: str) -> ReferenceChange:
        now = datetime.now(UTC)
        key = (reference_data.c.kind == kind, reference_data.c.entity_id == entity_id)
        text = None if record is None else jsonio.dumps_str(record)
        with self._db.transaction() as conn:
            current = conn.execute(select(reference_data.c.version).where(*key)).scalar()
            last = conn.execute(
                select(func.max(reference_history.c.version)).where(
                    reference_history.c.kind == kind, reference_history.c.entity_id == entity_id
                )
            ).scalar()
            version = int(last or 0) + 1  # versions keep counting across a removal
            if record is None:
                conn.execute(delete(reference_data).where(*key))
            elif current is None:
                conn.execute(
                    insert(reference_data).values(
                        kind=kind,
                        entity_id=entity_id,
                        record=text,
                        version=version,
                        updated_at=now,
                        updated_by=actor,
                        reason=reason,
                    )
                )
            else:
                conn.execute(
                    update(reference_data)
                    .where(*key)
                    .values(record=text, version=version, updated_at=now, updated_by=actor, reason=reason)
                )
            conn.execute(
                insert(reference_history).values(
                    kind=kind,
                    entity_id=entity_id,
                    record=text,
                    version=version,
                    changed_at=now,
                    changed_by=actor,
                    reason=reason,
                )
            )
            stamps.bump(conn, "reference")
        return ReferenceChange(kind, entity_id, record, version, now.isoformat(), actor, reason)

    def history(self, kind: str, entity_id: str) -> list[ReferenceChange]:
        stmt = (
            select(reference_history)
            .where(reference_history.c.kind == kind, reference_history.c.entity_id == entity_id)
            .order_by(reference_history.c.id)
        )
        with self._db.connect() as conn:
            return [
                ReferenceChange(
                    r.kind,
                    r.entity_id,
                    None if r.record is None else jsonio.loads(r.record),
                    r.version,
                    aware(r.changed_at).isoformat(),
                    r.changed_by,
                    r.reason,
                )
                for r in conn.execute(stmt)
            ]

    def stamp(self) -> int:
        with self._db.connect() as conn:
            return stamps.read(conn, "reference")
