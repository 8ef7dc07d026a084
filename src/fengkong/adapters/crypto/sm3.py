"""Keyed SM3 (HMAC-SM3, GB/T 32905 hash in RFC 2104 HMAC) for identifiers that must be matched
but never stored in clear: card numbers, resident ID numbers. Implemented by `cryptography`
(OpenSSL); no home-made cipher code."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes, hmac

from fengkong.domain.errors import InputError


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


class Sm3Protector:
    """Keyed hashes for matching; the key never leaves this object."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the identifier hashing key must be at least 16 bytes")
        self._key = key

    def card_reference(self, pan: str) -> str:
        return "ctk_" + hmac_sm3(self._key, b"card:" + pan.encode()).hex()[:40]

    def identifier_hash(self, kind: str, value: str) -> str:
        return hmac_sm3(self._key, kind.encode() + b":" + value.encode()).hex()


def load_or_create_key(path: Path | None, given: str | None = None) -> bytes:
    """A key given as hex (from Settings), else read from `path`, created (0600) if missing;
    with no path either, a fresh key that lives as long as the process (the memory profile)."""
    if given:
        try:
            return bytes.fromhex(given)
        except ValueError:
            raise InputError("key", "must be hexadecimal") from None
    if path is None:
        return secrets.token_bytes(32)
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key
