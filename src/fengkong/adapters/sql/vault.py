"""The token vault's tables on SQL: wrapped data keys and encrypted card numbers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.tables import vault_cards, vault_data_keys
from fengkong.domain.cards import SealedCard


class SqlVaultStore:
    """VaultStore over the shared Database."""

    def __init__(self, db: Database):
        self._db = db
        self._insert = (sqlite.insert if db.dialect == "sqlite" else postgresql.insert)(vault_cards)

    def active_key(self) -> tuple[str, bytes, str] | None:
        with self._db.connect() as conn:
            r = conn.execute(select(vault_data_keys).where(vault_data_keys.c.active)).first()
        return None if r is None else (r.dek_id, r.wrapped, r.master_version)

    def key(self, dek_id: str) -> tuple[bytes, str]:
        with self._db.connect() as conn:
            r = conn.execute(select(vault_data_keys).where(vault_data_keys.c.dek_id == dek_id)).first()
        if r is None:
            raise KeyError(dek_id)
        return r.wrapped, r.master_version

    def keys(self) -> list[tuple[str, bytes, str]]:
        with self._db.connect() as conn:
            return [
                (r.dek_id, r.wrapped, r.master_version)
                for r in conn.execute(select(vault_data_keys).order_by(vault_data_keys.c.created_at))
            ]

    def add_key(self, dek_id: str, wrapped: bytes, master_version: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(update(vault_data_keys).values(active=False))
            conn.execute(
                insert(vault_data_keys).values(
                    dek_id=dek_id,
                    wrapped=wrapped,
                    master_version=master_version,
                    created_at=datetime.now(UTC),
                    active=True,
                )
            )

    def rewrap(self, dek_id: str, wrapped: bytes, master_version: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                update(vault_data_keys)
                .where(vault_data_keys.c.dek_id == dek_id)
                .values(wrapped=wrapped, master_version=master_version)
            )

    def add_cards(self, cards: Sequence[SealedCard]) -> None:
        rows = [
            {
                "card_ref": c.ref,
                "ciphertext": c.ciphertext,
                "dek_id": c.dek_id,
                "masked": c.masked,
                "created_at": datetime.now(UTC),
            }
            for c in cards
            if c.ciphertext is not None
        ]
        if rows:
            with self._db.transaction() as conn:
                conn.execute(self._insert.on_conflict_do_nothing(index_elements=["card_ref"]), rows)

    def card(self, ref: str) -> SealedCard | None:
        with self._db.connect() as conn:
            r = conn.execute(select(vault_cards).where(vault_cards.c.card_ref == ref)).first()
        return None if r is None else SealedCard(r.card_ref, r.masked, r.ciphertext, r.dek_id)

    def cards(self) -> Iterator[SealedCard]:
        with self._db.connect() as conn:
            rows = conn.execute(select(vault_cards).order_by(vault_cards.c.card_ref)).all()
        for r in rows:
            yield SealedCard(r.card_ref, r.masked, r.ciphertext, r.dek_id)
