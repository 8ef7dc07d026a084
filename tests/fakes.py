"""Test doubles for the ports that are not stores (every store has a real in-memory adapter,
used instead of a fake): a protector and a card sealer that compute readable stand-ins."""

from __future__ import annotations

from fengkong.domain.cards import SealedCard
from fengkong.domain.sensitive import mask_pan


class FakeProtector:
    """IdentifierProtector whose outputs show what they stand for (never use outside tests)."""

    version = 1

    def card_reference(self, pan: str) -> str:
        return f"tok-{len(pan)}"

    def identifier_hash(self, kind: str, value: str) -> str:
        return f"h-{kind}"

    def rekeyed(self, stored: str, to_version: int) -> str:
        return f"{stored}@v{to_version}"


class FakeSealer:
    """CardSealer that seals every card as new, with a fake ciphertext, and remembers them."""

    def __init__(self, protector: FakeProtector | None = None):
        self._protector = protector or FakeProtector()
        self.sealed: list[SealedCard] = []

    def seal(self, pan: str) -> SealedCard:
        card = SealedCard(
            self._protector.card_reference(pan), mask_pan(pan), b"sealed:" + str(len(pan)).encode(), "dek-test"
        )
        self.sealed.append(card)
        return card
