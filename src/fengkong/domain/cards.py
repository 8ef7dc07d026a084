"""A card or account number as it leaves the door: a stable reference for matching, the masked
form for people, and (the first time the vault sees it) the number encrypted for the vault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SealedCard:
    ref: str  # keyed hash: the same card always gets the same reference
    masked: str  # a card: first 6 / last 4; an account: last 4
    ciphertext: bytes | None = None  # None: the vault holds this card already
    dek_id: str | None = None  # the data key that encrypted it

    @property
    def new(self) -> bool:
        """True if the vault still has to store this card (in the caller's commit)."""
        return self.ciphertext is not None
