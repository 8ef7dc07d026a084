"""List entries on SQL. A removal ends an entry at a time (the history stays, and a replay
reads it). `active` false marks rows removed before removals had a time: those are left out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.tables import list_entries
from fengkong.domain.lists.index import ListEntry

_FIELDS = (
    "list_type",
    "match_key",
    "display",
    "source",
    "reason",
    "evidence",
    "added_by",
    "starts_at",
    "expires_at",
    "amount_fen",
    "case_number",
    "authority",
    "period_from",
    "ended_at",
)


def _entry(row: Any) -> ListEntry:
    return ListEntry(row.id, *(getattr(row, name) for name in _FIELDS))


class SqlListStore:
    """ListStore over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def add(self, entry: ListEntry) -> ListEntry:
        values = {name: getattr(entry, name) for name in _FIELDS}
        with self._db.transaction() as conn:
            new_id = conn.execute(
                insert(list_entries)
                .values(**values, added_at=datetime.now(UTC), active=True)
                .returning(list_entries.c.id)
            ).scalar_one()
            stamps.bump(conn, "lists")
        return replace(entry, id=int(new_id))

    def end(self, entry_id: int, at: float) -> ListEntry | None:
        live = (list_entries.c.expires_at.is_(None) | (list_entries.c.expires_at > at)) & (
            list_entries.c.ended_at.is_(None) | (list_entries.c.ended_at > at)
        )
        this = (list_entries.c.id == entry_id) & list_entries.c.active
        with self._db.transaction() as conn:
            if conn.execute(select(list_entries.c.id).where(this)).first() is None:
                return None
            conn.execute(update(list_entries).where(this, live).values(ended_at=at))
            stamps.bump(conn, "lists")
            row = conn.execute(select(list_entries).where(this)).one()
        return _entry(row)

    def get(self, entry_id: int) -> ListEntry | None:
        with self._db.connect() as conn:
            row = conn.execute(select(list_entries).where(list_entries.c.id == entry_id, list_entries.c.active)).first()
        return None if row is None else _entry(row)

    def all(self) -> list[ListEntry]:
        with self._db.connect() as conn:
            return [_entry(r) for r in conn.execute(select(list_entries).where(list_entries.c.active))]

    def find(self, list_type: str, match_key: str) -> list[ListEntry]:
        stmt = (
            select(list_entries)
            .where(list_entries.c.list_type == list_type, list_entries.c.match_key == match_key, list_entries.c.active)
            .order_by(list_entries.c.id)
        )
        with self._db.connect() as conn:
            return [_entry(r) for r in conn.execute(stmt)]

    def stamp(self) -> int:
        with self._db.connect() as conn:
            return stamps.read(conn, "lists")
