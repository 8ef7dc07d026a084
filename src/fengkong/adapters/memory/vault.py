"""The vault's storage in memory: wrapped data keys and encrypted card numbers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.cards import SealedCard


class MemoryVaultStore:
    """VaultStore in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._keys: dict[str, tuple[bytes, str]] = {}  # dek id -> (wrapped, master version), oldest first
        self._active: str | None = None
        self._cards: dict[str, SealedCard] = {}

    def active_key(self) -> tuple[str, bytes, str] | None:
        if self._active is None:
            return None
        wrapped, version = self._keys[self._active]
        return self._active, wrapped, version

    def key(self, dek_id: str) -> tuple[bytes, str]:
        return self._keys[dek_id]

    def keys(self) -> list[tuple[str, bytes, str]]:
        with self._uow.reading():
            return [(dek_id, wrapped, version) for dek_id, (wrapped, version) in self._keys.items()]

    def add_key(self, dek_id: str, wrapped: bytes, master_version: str) -> None:
        with self._uow.atomic():
            active = self._active
            self._keys[dek_id] = (wrapped, master_version)
            self._active = dek_id
            self._uow.journal(lambda: self._drop_key(dek_id, active))

    def _drop_key(self, dek_id: str, active: str | None) -> None:
        self._keys.pop(dek_id, None)
        self._active = active

    def rewrap(self, dek_id: str, wrapped: bytes, master_version: str) -> None:
        with self._uow.atomic():
            previous = self._keys[dek_id]
            self._keys[dek_id] = (wrapped, master_version)
            self._uow.journal(lambda: self._keys.__setitem__(dek_id, previous))

    def add_cards(self, cards: Sequence[SealedCard]) -> None:
        with self._uow.atomic():
            added = [c for c in cards if c.ciphertext is not None and c.ref not in self._cards]
            for card in added:
                self._cards.setdefault(card.ref, card)
            self._uow.journal(lambda: [self._cards.pop(c.ref, None) for c in added])

    def card(self, ref: str) -> SealedCard | None:
        return self._cards.get(ref)

    def cards(self) -> Iterator[SealedCard]:
        with self._uow.reading():
            found = sorted(self._cards.values(), key=lambda c: c.ref)
        yield from found
