"""Payment tokens on SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from fengkong import jsonio
from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database, aware
from fengkong.adapters.sql.tables import payment_tokens
from fengkong.domain.tokens import PaymentToken


def _token(r: Any) -> PaymentToken:
    return PaymentToken(
        r.token, r.card_ref, r.masked, r.status, jsonio.loads(r.controls), r.created_by, aware(r.created_at).isoformat()
    )


class SqlTokenStore:
    """TokenStore over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def add(self, token: PaymentToken) -> None:
        now = datetime.now(UTC)
        with self._db.transaction() as conn:
            conn.execute(
                insert(payment_tokens).values(
                    token=token.token,
                    card_ref=token.card_ref,
                    masked=token.masked,
                    status=token.status,
                    controls=jsonio.dumps_str(token.controls),
                    created_by=token.created_by,
                    created_at=now,
                    updated_at=now,
                )
            )
            stamps.bump(conn, "tokens")

    def get(self, token: str) -> PaymentToken | None:
        with self._db.connect() as conn:
            row = conn.execute(select(payment_tokens).where(payment_tokens.c.token == token)).first()
        return None if row is None else _token(row)

    def set_status(self, token: str, status: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                update(payment_tokens)
                .where(payment_tokens.c.token == token)
                .values(status=status, updated_at=datetime.now(UTC))
            )
            stamps.bump(conn, "tokens")

    def all(self) -> list[PaymentToken]:
        with self._db.connect() as conn:
            return [_token(r) for r in conn.execute(select(payment_tokens).order_by(payment_tokens.c.created_at))]

    def stamp(self) -> int:
        with self._db.connect() as conn:
            return stamps.read(conn, "tokens")
