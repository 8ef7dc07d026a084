"""Maker-checker requests on SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, insert, select, update

from fengkong import jsonio
from fengkong.adapters.sql.database import Database, aware
from fengkong.adapters.sql.tables import change_requests
from fengkong.domain.changes import ChangeRequest, RequestStatus


def _request(r: Any) -> ChangeRequest:
    return ChangeRequest(
        r.id,
        r.action,
        jsonio.loads(r.payload),
        r.maker,
        r.reason,
        aware(r.created_at).isoformat(),
        r.status,
        r.checker,
        r.checker_note,
    )


class SqlChangeRequests:
    """ChangeRequests over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def create(self, action: str, payload: dict[str, Any], maker: str, reason: str) -> ChangeRequest:
        now = datetime.now(UTC)
        with self._db.transaction() as conn:
            new_id = conn.execute(
                insert(change_requests)
                .values(
                    action=action,
                    payload=jsonio.dumps_str(payload),
                    maker=maker,
                    reason=reason,
                    created_at=now,
                    status=RequestStatus.PENDING.value,
                )
                .returning(change_requests.c.id)
            ).scalar_one()
        return ChangeRequest(int(new_id), action, payload, maker, reason, now.isoformat())

    def get(self, request_id: int) -> ChangeRequest | None:
        with self._db.connect() as conn:
            row = conn.execute(select(change_requests).where(change_requests.c.id == request_id)).first()
        return None if row is None else _request(row)

    def pending(self) -> list[ChangeRequest]:
        stmt = (
            select(change_requests)
            .where(change_requests.c.status == RequestStatus.PENDING.value)
            .order_by(change_requests.c.id)
        )
        with self._db.connect() as conn:
            return [_request(r) for r in conn.execute(stmt)]

    def decide(self, request_id: int, status: str, checker: str, note: str) -> bool:
        with self._db.transaction() as conn:
            done = conn.execute(
                update(change_requests)
                .where(
                    and_(change_requests.c.id == request_id, change_requests.c.status == RequestStatus.PENDING.value)
                )
                .values(status=status, checker=checker, checker_note=note, decided_at=datetime.now(UTC))
            )
            return bool(done.rowcount)
