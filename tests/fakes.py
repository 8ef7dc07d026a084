"""Test doubles for the ports that are not stores (every store has a real in-memory adapter,
used instead of a fake): a protector and a card sealer that compute readable stand-ins."""

from __future__ import annotations

from fengkong.domain.cards import SealedCard
from fengkong.domain.identity.accounts import mask_account
from fengkong.domain.sensitive import mask_pan


class FakeProtector:
    """IdentifierProtector whose outputs show what they stand for (never use outside tests)."""

    version = 1

    def card_reference(self, pan: str) -> str:
        return f"tok-{len(pan)}"

    def account_reference(self, number: str) -> str:
        return f"acct-{len(number)}"

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

    def seal_account(self, number: str) -> SealedCard:
        account = SealedCard(
            self._protector.account_reference(number), mask_account(number), b"sealed-account", "dek-test"
        )
        self.sealed.append(account)
        return account
