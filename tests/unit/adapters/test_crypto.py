"""National cryptography against the standards' own test vectors."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fengkong.adapters.crypto.sm3 import hmac_sm3, sm3_hex
from fengkong.adapters.crypto.sm4 import MasterKeys, VaultCryptoError, sm4_gcm_decrypt, sm4_gcm_encrypt


def test_sm3_vectors_of_gb_t_32905() -> None:
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm4_vector_of_gb_t_32907() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_hmac_sm3_is_keyed_and_stable() -> None:
    a = hmac_sm3(b"k" * 32, b"6222021234567890128")
    assert a == hmac_sm3(b"k" * 32, b"6222021234567890128") and len(a) == 32
    assert a != hmac_sm3(b"j" * 32, b"6222021234567890128")


def test_sm4_gcm_round_trip_and_tampering() -> None:
    key = bytes(range(16))
    blob = sm4_gcm_encrypt(key, b"6222021234567890128", b"ctk_1")
    assert sm4_gcm_decrypt(key, blob, b"ctk_1") == b"6222021234567890128"
    assert blob != sm4_gcm_encrypt(key, b"6222021234567890128", b"ctk_1")  # fresh nonce each time
    with pytest.raises(VaultCryptoError):
        sm4_gcm_decrypt(key, blob, b"ctk_2")  # bound to its card reference
    tampered = blob[:20] + bytes([blob[20] ^ 1]) + blob[21:]
    with pytest.raises(VaultCryptoError):
        sm4_gcm_decrypt(key, tampered, b"ctk_1")
    with pytest.raises(VaultCryptoError):
        sm4_gcm_decrypt(bytes(16), blob, b"ctk_1")


def test_master_keys_wrap_and_rotate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fengkong.adapters.crypto.sm4 import load_master_keys

    ring = load_master_keys(tmp_path / "master.json")
    wrapped, version = ring.wrap("dek_1", b"d" * 16)
    assert version == "v1" and (tmp_path / "master.json").stat().st_mode & 0o777 == 0o600
    ring.add_version("v2")
    again = load_master_keys(tmp_path / "master.json")
    assert again.active == "v2" and again.unwrap("dek_1", wrapped, "v1") == b"d" * 16
    with pytest.raises(VaultCryptoError):
        MasterKeys("v1", {"v1": bytes(16)}, given=True).add_version("v2")  # operator-given keys are not written
    in_memory = load_master_keys(None)  # the memory profile: a ring that lives with the process
    in_memory.add_version("v2")
    assert in_memory.active == "v2" and set(in_memory.keys) == {"v1", "v2"}
