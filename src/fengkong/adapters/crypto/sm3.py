"""Keyed SM3 (HMAC-SM3, GB/T 32905 hash in RFC 2104 HMAC) for identifiers that must be matched
but never stored in clear: card numbers, resident ID numbers. Implemented by `cryptography`
(OpenSSL); no home-made cipher code."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, hmac

from fengkong.domain.errors import InputError
from fengkong.domain.identity.accounts import ACCOUNT_REF_PREFIX, REF_PREFIXES


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


CARD_REF_PREFIX = "ctk_"
_REF_HEX = 40  # a reference keeps 160 bits of the keyed hash


@dataclass(frozen=True, slots=True)
class HashKeyring:
    """The identifier-hash keys, version 1 upwards. Stored values are keyed with every version up
    to the database's active one, in turn: version v re-keys what version v-1 made, so a rotation
    turns each stored hash into the next without the clear value (which is not kept)."""

    keys: tuple[bytes, ...]  # keys[0] is version 1

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a keyring holds at least one key")
        if any(len(k) < 16 for k in self.keys):
            raise ValueError("an identifier hashing key must be at least 16 bytes")

    @property
    def newest(self) -> int:
        return len(self.keys)

    @classmethod
    def parse(cls, text: str) -> HashKeyring:
        """`HEX` (version 1, the format before versions), or `v1:HEX`, `v2:HEX`, ... one per line
        or separated by commas; versions must run 1, 2, 3 without a gap."""
        found: dict[int, bytes] = {}
        for i, item in enumerate(x.strip() for x in text.replace(",", "\n").splitlines()):
            if not item:
                continue
            label, _, hexkey = item.rpartition(":")
            if not label and i == 0:
                label = "v1"
            if not re.fullmatch(r"v[1-9]\d*", label):
                raise InputError("hash_key", "each key is written vN:HEX (N the version)")
            try:
                found[int(label[1:])] = bytes.fromhex(hexkey)
            except ValueError:
                raise InputError("hash_key", f"key {label} is not hexadecimal") from None
        if sorted(found) != list(range(1, len(found) + 1)):
            raise InputError("hash_key", "key versions must run v1, v2, ... without a gap")
        return cls(tuple(found[v] for v in range(1, len(found) + 1)))

    def text(self) -> str:
        return "".join(f"v{v}:{k.hex()}\n" for v, k in enumerate(self.keys, start=1))

    def with_new_key(self) -> HashKeyring:
        return HashKeyring((*self.keys, secrets.token_bytes(32)))


class Sm3Protector:
    """Keyed hashes for matching, made with the keys up to `version`; the keys never leave this
    object."""

    def __init__(self, keys: bytes | HashKeyring, version: int | None = None):
        self._ring = keys if isinstance(keys, HashKeyring) else HashKeyring((keys,))
        self.version = self._ring.newest if version is None else version
        if not 1 <= self.version <= self._ring.newest:
            raise InputError(
                "hash_key",
                f"the stored identifiers are keyed with version {self.version} but the keyring holds "
                f"versions 1 to {self._ring.newest}: restore the keyring that was in use",
            )
        # One keyed context per version, copied for each hash: half the cost of keying anew.
        self._macs = [hmac.HMAC(key, hashes.SM3()) for key in self._ring.keys]

    def _mac(self, version: int, data: bytes) -> bytes:
        mac = self._macs[version - 1].copy()
        mac.update(data)
        return mac.finalize()

    def card_reference(self, pan: str) -> str:
        ref = CARD_REF_PREFIX + self._mac(1, b"card:" + pan.encode()).hex()[:_REF_HEX]
        return self._onwards(ref, 1, self.version)

    def account_reference(self, number: str) -> str:
        ref = ACCOUNT_REF_PREFIX + self._mac(1, b"account:" + number.encode()).hex()[:_REF_HEX]
        return self._onwards(ref, 1, self.version)

    def identifier_hash(self, kind: str, value: str) -> str:
        return self._onwards(self._mac(1, kind.encode() + b":" + value.encode()).hex(), 1, self.version)

    def rekeyed(self, stored: str, to_version: int) -> str:
        """What a stored hash or reference made at this protector's version becomes at
        `to_version` (a later version of the keyring)."""
        return self._onwards(stored, self.version, to_version)

    def _onwards(self, stored: str, since: int, until: int) -> str:
        for version in range(since + 1, until + 1):
            digest = self._mac(version, b"rekey:" + stored.encode()).hex()
            # a reference stays one, of the same kind
            stored = stored[:4] + digest[:_REF_HEX] if stored.startswith(REF_PREFIXES) else digest
        return stored


def load_or_create_keyring(path: Path | None, given: str | None = None) -> HashKeyring:
    """Keys given in the settings (`HEX` or `v1:HEX,v2:HEX`), else read from `path`, created
    (0600) with one key if missing; with no path either, a fresh key that lives as long as the
    process (the memory profile)."""
    if given:
        return HashKeyring.parse(given)
    if path is None:
        return HashKeyring((secrets.token_bytes(32),))
    if path.exists():
        return HashKeyring.parse(path.read_text())
    ring = HashKeyring((secrets.token_bytes(32),))
    write_keyring(path, ring, create=True)
    return ring


def write_keyring(path: Path, ring: HashKeyring, *, create: bool = False) -> None:
    """Write the keyring file (0600); replacing one goes through a new file renamed over it, so
    a crash leaves the old keys or the new ones, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path if create else path.with_name(path.name + ".new")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if create else os.O_TRUNC)
    fd = os.open(target, flags, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(ring.text())
        handle.flush()
        os.fsync(handle.fileno())
    if not create:
        os.replace(target, path)


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
