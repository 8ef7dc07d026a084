"""The token vault's tables: wrapped data keys, encrypted card numbers, payment tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from fengkong import jsonio
from fengkong.adapters.storage.sql import make_engine
from fengkong.adapters.storage.tables import payment_tokens, vault_cards, vault_data_keys


class SqlVaultStore:
    def __init__(self, url: str):
        self.engine = make_engine(url)

    # data keys
    def active_key(self) -> tuple[str, bytes, str] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(vault_data_keys).where(vault_data_keys.c.active)).first()
        return None if r is None else (r.dek_id, r.wrapped, r.master_version)

    def key(self, dek_id: str) -> tuple[bytes, str]:
        with self.engine.connect() as conn:
            r = conn.execute(select(vault_data_keys).where(vault_data_keys.c.dek_id == dek_id)).first()
        if r is None:
            raise KeyError(dek_id)
        return r.wrapped, r.master_version

    def keys(self) -> list[tuple[str, bytes, str]]:
        with self.engine.connect() as conn:
            return [(r.dek_id, r.wrapped, r.master_version) for r in conn.execute(select(vault_data_keys))]

    def add_key(self, dek_id: str, wrapped: bytes, master_version: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(vault_data_keys).values(active=False))
            conn.execute(insert(vault_data_keys).values(dek_id=dek_id, wrapped=wrapped, master_version=master_version,
                                                        created_at=datetime.now(UTC), active=True))

    def rewrap(self, dek_id: str, wrapped: bytes, master_version: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(vault_data_keys).where(vault_data_keys.c.dek_id == dek_id)
                         .values(wrapped=wrapped, master_version=master_version))

    # cards
    def has_card(self, card_ref: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(vault_cards.c.card_ref).where(vault_cards.c.card_ref == card_ref)).first() is not None

    def add_card(self, card_ref: str, ciphertext: bytes, dek_id: str, masked: str) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(vault_cards).values(card_ref=card_ref, ciphertext=ciphertext, dek_id=dek_id,
                                                        masked=masked, created_at=datetime.now(UTC)))
        except IntegrityError:
            pass  # stored by a concurrent request: the same card, the same ref

    def card(self, card_ref: str) -> tuple[bytes, str, str] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(vault_cards).where(vault_cards.c.card_ref == card_ref)).first()
        return None if r is None else (r.ciphertext, r.dek_id, r.masked)

    def cards(self) -> Iterator[tuple[str, bytes, str]]:
        with self.engine.connect() as conn:
            for r in conn.execute(select(vault_cards.c.card_ref, vault_cards.c.ciphertext, vault_cards.c.dek_id)):
                yield r[0], r[1], r[2]

    # payment tokens
    def add_token(self, token: str, card_ref: str, masked: str, controls: dict[str, Any], actor: str) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(insert(payment_tokens).values(token=token, card_ref=card_ref, masked=masked, status="active",
                                                       controls=jsonio.dumps_str(controls), created_by=actor,
                                                       created_at=now, updated_at=now))

    def token(self, token: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(payment_tokens).where(payment_tokens.c.token == token)).first()
        if r is None:
            return None
        return {"token": r.token, "card_ref": r.card_ref, "masked": r.masked, "status": r.status,
                "controls": jsonio.loads(r.controls), "created_by": r.created_by, "created_at": r.created_at.isoformat()}

    def set_status(self, token: str, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(payment_tokens).where(payment_tokens.c.token == token)
                         .values(status=status, updated_at=datetime.now(UTC)))

    def tokens(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [{"token": r.token, "status": r.status, "controls": jsonio.loads(r.controls)}
                    for r in conn.execute(select(payment_tokens))]

    def stamp(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(payment_tokens.c.updated_at))).scalar()
            count = conn.execute(select(func.count()).select_from(payment_tokens)).scalar() or 0
        return hash((str(value), count))

    def close(self) -> None:
        self.engine.dispose()
