"""List entries on SQL; removal only deactivates (the history stays)."""

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

    def deactivate(self, entry_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute(update(list_entries).where(list_entries.c.id == entry_id).values(active=False))
            stamps.bump(conn, "lists")

    def get(self, entry_id: int) -> ListEntry | None:
        with self._db.connect() as conn:
            row = conn.execute(select(list_entries).where(list_entries.c.id == entry_id, list_entries.c.active)).first()
        return None if row is None else _entry(row)

    def active(self) -> list[ListEntry]:
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
