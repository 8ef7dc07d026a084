"""SM4 (GB/T 32907) in GCM mode, and the envelope key ring of the token vault.

Data keys (DEKs) encrypt card numbers; each DEK is stored wrapped (SM4-GCM) by a master key.
Master keys are versioned; the ring loads all versions so data wrapped under an older one stays
readable while a rotation re-wraps the DEKs. Cipher code is `cryptography`'s (OpenSSL): nothing
home-made here.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fengkong.domain.errors import FengkongError

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 16  # SM4 keys are 128 bits


class VaultCryptoError(FengkongError, ValueError):
    """A key that is missing, malformed or managed elsewhere, or data that does not decrypt."""


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce (12) | ciphertext | tag (16)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise VaultCryptoError("ciphertext too short")
    nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise VaultCryptoError("authentication failed: wrong key or tampered data") from None


@dataclass
class MasterKeys:
    """Versioned master keys; `active` wraps new data keys."""

    active: str
    keys: dict[str, bytes]
    path: Path | None = None  # where the ring is kept; None: given by the operator, or in memory only
    given: bool = False  # from FENGKONG_MASTER_KEYS: versions are added and retired there

    def key(self, version: str) -> bytes:
        if version not in self.keys:
            raise VaultCryptoError(f"master key version {version!r} is not loaded")
        return self.keys[version]

    def wrap(self, dek_id: str, dek: bytes) -> tuple[bytes, str]:
        return sm4_gcm_encrypt(self.keys[self.active], dek, b"dek:" + dek_id.encode()), self.active

    def unwrap(self, dek_id: str, wrapped: bytes, version: str) -> bytes:
        return sm4_gcm_decrypt(self.key(version), wrapped, b"dek:" + dek_id.encode())

    def add_version(self, version: str) -> None:
        """Create a new master key version and make it active (persisted when file-backed)."""
        if version in self.keys:
            raise VaultCryptoError(f"master key version {version!r} exists already")
        if self.given:
            raise VaultCryptoError("master keys come from FENGKONG_MASTER_KEYS: add the version there")
        self.keys[version] = secrets.token_bytes(KEY_BYTES)
        self.active = version
        self._save()

    def retire(self, version: str) -> None:
        if version == self.active:
            raise VaultCryptoError("the active master key cannot be retired")
        if self.given:
            raise VaultCryptoError("master keys come from FENGKONG_MASTER_KEYS: remove the version there")
        self.keys.pop(version, None)
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return  # kept in memory only
        data = {"active": self.active, "keys": {v: k.hex() for v, k in self.keys.items()}}
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.path)


def load_master_keys(path: Path | None, given: str | None = None) -> MasterKeys:
    """Given as "v2:HEX,v1:HEX" (FENGKONG_MASTER_KEYS, first is active), else a 0600 JSON file
    created on first use, else (no path: the memory profile) a ring that lives in memory.
    Production keeps master keys in an HSM or KMS; see docs/vault-and-keys.md."""
    if given:
        try:
            pairs = [item.split(":", 1) for item in given.split(",") if item.strip()]
            keys = {v.strip(): bytes.fromhex(k.strip()) for v, k in pairs}
        except ValueError:
            keys = {}
        if not keys or any(len(k) != KEY_BYTES for k in keys.values()):
            raise VaultCryptoError("FENGKONG_MASTER_KEYS must be 'version:32-hex-digit-key[,...]'")
        return MasterKeys(pairs[0][0].strip(), keys, given=True)
    if path is None:
        return MasterKeys("v1", {"v1": secrets.token_bytes(KEY_BYTES)})
    if path.exists():
        data = json.loads(path.read_text())
        return MasterKeys(data["active"], {v: bytes.fromhex(k) for v, k in data["keys"].items()}, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ring = MasterKeys("v1", {"v1": secrets.token_bytes(KEY_BYTES)}, path)
    ring._save()
    return ring
