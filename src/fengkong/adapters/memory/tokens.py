"""Payment tokens in memory."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.errors import Conflict
from fengkong.domain.tokens import PaymentToken


class MemoryTokenStore:
    """TokenStore in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._tokens: dict[str, PaymentToken] = {}
        self._stamp = 0

    def add(self, token: PaymentToken) -> None:
        with self._uow.atomic():
            if token.token in self._tokens:
                raise Conflict("token", "a payment token with this value exists already")
            self._tokens[token.token] = replace(
                token, controls=copy.deepcopy(token.controls), created_at=datetime.now(UTC).isoformat()
            )
            self._stamp += 1
            self._uow.journal(self._unstamp)
            self._uow.journal(lambda: self._tokens.pop(token.token))

    def get(self, token: str) -> PaymentToken | None:
        found = self._tokens.get(token)
        return None if found is None else replace(found, controls=copy.deepcopy(found.controls))

    def set_status(self, token: str, status: str) -> None:
        with self._uow.atomic():
            previous = self._tokens.get(token)
            if previous is not None:
                self._tokens[token] = replace(previous, status=status)
                self._uow.journal(lambda: self._tokens.__setitem__(token, previous))
            self._stamp += 1
            self._uow.journal(self._unstamp)

    def all(self) -> list[PaymentToken]:
        with self._uow.reading():
            return [replace(t, controls=copy.deepcopy(t.controls)) for t in self._tokens.values()]

    def stamp(self) -> int:
        return self._stamp

    def _unstamp(self) -> None:
        self._stamp -= 1
