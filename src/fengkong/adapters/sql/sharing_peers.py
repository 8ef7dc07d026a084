"""What is exchanged with sharing peers, on SQL: the outbox of signed reports and the pull cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from fengkong.adapters.sql.database import Database, aware
from fengkong.adapters.sql.tables import sharing_cursors, sharing_outbox
from fengkong.domain.ports import OutboxItem

_ERROR_CHARS = 500


class SqlSharingPeerLog:
    """SharingPeerLog over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def enqueue(self, peer: str, report_id: str, payload: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                insert(sharing_outbox).values(
                    peer=peer,
                    report_id=report_id,
                    payload=payload,
                    state="pending",
                    attempts=0,
                    queued_at=datetime.now(UTC),
                )
            )

    def pending(self, peer: str, limit: int) -> list[OutboxItem]:
        stmt = (
            select(sharing_outbox)
            .where(sharing_outbox.c.peer == peer, sharing_outbox.c.state == "pending")
            .order_by(sharing_outbox.c.id)
            .limit(limit)
        )
        with self._db.connect() as conn:
            return [_item(r) for r in conn.execute(stmt)]

    def mark_sent(self, item_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                update(sharing_outbox)
                .where(sharing_outbox.c.id == item_id)
                .values(state="sent", attempts=sharing_outbox.c.attempts + 1, sent_at=datetime.now(UTC))
            )

    def mark_failed(self, item_id: int, error: str, *, refused: bool) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                update(sharing_outbox)
                .where(sharing_outbox.c.id == item_id)
                .values(
                    state="refused" if refused else "pending",
                    attempts=sharing_outbox.c.attempts + 1,
                    last_error=error[:_ERROR_CHARS],
                )
            )

    def outbox(self, limit: int = 100) -> list[OutboxItem]:
        stmt = select(sharing_outbox).order_by(sharing_outbox.c.id.desc()).limit(limit)
        with self._db.connect() as conn:
            return [_item(r) for r in conn.execute(stmt)]

    def cursor(self, peer: str) -> int:
        stmt = select(func.max(sharing_cursors.c.after)).where(sharing_cursors.c.peer == peer)
        with self._db.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def set_cursor(self, peer: str, position: int) -> None:
        with self._db.transaction() as conn:
            done = conn.execute(
                update(sharing_cursors).where(sharing_cursors.c.peer == peer).values(after=position)
            ).rowcount
            if not done:
                conn.execute(insert(sharing_cursors).values(peer=peer, after=position))


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        int(row.id),
        row.peer,
        row.report_id,
        row.payload,
        row.state,
        int(row.attempts),
        row.last_error,
        aware(row.queued_at),
        None if row.sent_at is None else aware(row.sent_at),
    )
