"""The card vault (R5): card numbers sealed at the door under SM4-GCM envelope keys, kept
encrypted, revealed only on request; master-key rotation re-wraps data keys while the vault
keeps serving. Cipher code is `cryptography`'s (OpenSSL); nothing home-made."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Sequence

from fengkong.adapters.crypto.sm3 import Sm3Protector
from fengkong.adapters.crypto.sm4 import KEY_BYTES, MasterKeys, VaultCryptoError, sm4_gcm_decrypt, sm4_gcm_encrypt
from fengkong.domain.cards import SealedCard
from fengkong.domain.errors import NotFound
from fengkong.domain.identity.accounts import ACCOUNT_REF_PREFIX, mask_account
from fengkong.domain.ports import UnitOfWork, VaultStore
from fengkong.domain.sensitive import looks_like_pan, mask_pan

ACTIVE_KEY_TTL_S = 5.0


class Sm4CardVault:
    """CardVault (and the door's CardSealer) over a VaultStore.

    Sealing is cheap for a card the vault is known to hold: the references of stored cards are
    remembered (after their commit, never before) and such a card is not encrypted again.
    """

    def __init__(
        self, masters: MasterKeys, protector: Sm3Protector, store: VaultStore, uow: UnitOfWork, remember: int = 200_000
    ):
        self.masters = masters
        self._protector = protector
        self._store = store
        self._uow = uow
        self._deks: dict[str, bytes] = {}
        self._stored: OrderedDict[str, None] = OrderedDict()
        self._remember = remember
        self._active_id: str | None = None
        self._active_at = 0.0

    # ------------------------------------------------------------------ the door
    def seal(self, pan: str) -> SealedCard:
        return self._sealed(self._protector.card_reference(pan), mask_pan(pan), pan)

    def seal_account(self, number: str) -> SealedCard:
        """An account number is kept like a card number: sealed under the same keys, revealed
        the same way (by its reference, to the role that may)."""
        return self._sealed(self._protector.account_reference(number), mask_account(number), number)

    def _sealed(self, ref: str, masked: str, number: str) -> SealedCard:
        if ref in self._stored:
            self._stored.move_to_end(ref)
            return SealedCard(ref, masked)
        dek_id, dek = self._active()
        return SealedCard(ref, masked, sm4_gcm_encrypt(dek, number.encode(), ref.encode()), dek_id)

    def store(self, cards: Sequence[SealedCard]) -> None:
        new = [c for c in cards if c.new]
        if new:
            self._store.add_cards(new)
            refs = [c.ref for c in new]
            self._uow.on_commit(lambda: self._remember_stored(refs))

    def _remember_stored(self, refs: list[str]) -> None:
        for ref in refs:
            self._stored[ref] = None
        while len(self._stored) > self._remember:
            self._stored.popitem(last=False)

    # ------------------------------------------------------------------ reading
    def masked(self, ref: str) -> str | None:
        card = self._store.card(ref)
        return None if card is None else card.masked

    def reveal(self, ref: str) -> str:
        card = self._store.card(ref)
        if card is None or card.ciphertext is None or card.dek_id is None:
            raise NotFound("token", "unknown card reference")
        return sm4_gcm_decrypt(self._dek(card.dek_id), card.ciphertext, ref.encode()).decode()

    def reseal(self, old_ref: str, new_ref: str, ciphertext: bytes, dek_id: str) -> bytes:
        """A card's ciphertext bound to its new reference (an identifier-key rotation), under the
        same data key; the number is in clear only inside this call."""
        dek = self._dek(dek_id)
        return sm4_gcm_encrypt(dek, sm4_gcm_decrypt(dek, ciphertext, old_ref.encode()), new_ref.encode())

    def check_all(self) -> tuple[int, list[str]]:
        ok, bad = 0, []
        for card in self._store.cards():
            try:
                assert card.ciphertext is not None and card.dek_id is not None
                number = sm4_gcm_decrypt(self._dek(card.dek_id), card.ciphertext, card.ref.encode()).decode()
                ok += looks_like_pan(number) or card.ref.startswith(ACCOUNT_REF_PREFIX)
            except Exception:  # noqa: BLE001 - report every unreadable card
                bad.append(card.ref)
        return ok, bad

    # ------------------------------------------------------------------ keys
    def _dek(self, dek_id: str) -> bytes:
        if dek_id not in self._deks:
            try:
                wrapped, version = self._store.key(dek_id)
            except KeyError:
                raise VaultCryptoError(f"data key {dek_id} is missing from the vault") from None
            self._deks[dek_id] = self.masters.unwrap(dek_id, wrapped, version)
        return self._deks[dek_id]

    def ensure_data_key(self) -> str:
        """Make sure a committed data key is active (called once at start, outside any unit of
        work), so that sealing at the door never creates a key inside a commit that may fail."""
        active = self._store.active_key()
        return self.new_data_key() if active is None else active[0]

    def _active(self) -> tuple[str, bytes]:
        """The data key for new cards. Looked up at most every few seconds: a key another
        process rotated in is taken up within ACTIVE_KEY_TTL_S (older keys stay valid)."""
        if self._active_id is not None and time.monotonic() - self._active_at <= ACTIVE_KEY_TTL_S:
            return self._active_id, self._dek(self._active_id)
        active = self._store.active_key()
        if active is None:  # never started with ensure_data_key()
            dek_id = self.new_data_key()
        else:
            dek_id = active[0]
            self._uow.on_commit(lambda: self._remember_active(dek_id))
        return dek_id, self._dek(dek_id)

    def new_data_key(self) -> str:
        dek_id = "dek_" + secrets.token_hex(8)
        dek = secrets.token_bytes(KEY_BYTES)
        wrapped, version = self.masters.wrap(dek_id, dek)
        self._store.add_key(dek_id, wrapped, version)
        self._deks[dek_id] = dek
        self._uow.on_commit(lambda: self._remember_active(dek_id))
        return dek_id

    def _remember_active(self, dek_id: str) -> None:
        """Only a committed key is remembered as active (a rolled-back one would seal cards
        nobody could reveal after a restart)."""
        self._active_id, self._active_at = dek_id, time.monotonic()

    def rotate_master(self, new_version: str) -> int:
        """Data is not re-encrypted and stays readable throughout: each data key records the
        master version that wraps it."""
        self.masters.add_version(new_version)
        count = 0
        for dek_id, wrapped, version in self._store.keys():
            dek = self.masters.unwrap(dek_id, wrapped, version)
            rewrapped, active = self.masters.wrap(dek_id, dek)
            self._store.rewrap(dek_id, rewrapped, active)
            count += 1
        return count

    def forget_keys(self) -> None:
        """Drop the unwrapped data keys held in memory (as after a restart)."""
        self._deks.clear()
