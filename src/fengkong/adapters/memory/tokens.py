"""Payment tokens in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.tokens import PaymentToken


class MemoryTokenStore:
    """TokenStore in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._tokens: dict[str, PaymentToken] = {}
        self._stamp = 0

    def add(self, token: PaymentToken) -> None:
        with self._uow.atomic():
            self._tokens[token.token] = replace(token, created_at=datetime.now(UTC).isoformat())
            self._stamp += 1
            self._uow.journal(lambda: self._tokens.pop(token.token))

    def get(self, token: str) -> PaymentToken | None:
        return self._tokens.get(token)

    def set_status(self, token: str, status: str) -> None:
        with self._uow.atomic():
            previous = self._tokens.get(token)
            if previous is not None:
                self._tokens[token] = replace(previous, status=status)
                self._uow.journal(lambda: self._tokens.__setitem__(token, previous))
            self._stamp += 1

    def all(self) -> list[PaymentToken]:
        with self._uow.reading():
            return list(self._tokens.values())

    def stamp(self) -> int:
        return self._stamp
