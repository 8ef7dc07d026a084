"""Versioned identifier-hash keys: a hash re-keyed from the stored value equals the hash made
from the clear value with the later keys; the keyring file's formats."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.adapters.crypto.sm3 import HashKeyring, Sm3Protector, hmac_sm3, load_or_create_keyring, write_keyring
from fengkong.domain.errors import InputError

RING = HashKeyring(tuple(secrets.token_bytes(32) for _ in range(3)))


@given(kind=st.sampled_from(["phone", "id_number", "name", "api_key"]), value=st.text(min_size=1, max_size=40))
def test_a_stored_hash_rekeyed_equals_the_hash_made_with_the_later_keys(kind: str, value: str) -> None:
    v1, v2, v3 = (Sm3Protector(RING, v) for v in (1, 2, 3))
    first = v1.identifier_hash(kind, value)
    assert len({first, v2.identifier_hash(kind, value), v3.identifier_hash(kind, value)}) == 3
    assert v1.rekeyed(first, 3) == v2.rekeyed(v1.rekeyed(first, 2), 3) == v3.identifier_hash(kind, value)


@given(pan=st.from_regex(r"6[0-9]{15,18}", fullmatch=True))
def test_a_card_reference_rekeyed_stays_a_reference(pan: str) -> None:
    v1, v2 = Sm3Protector(RING, 1), Sm3Protector(RING, 2)
    ref = v1.card_reference(pan)
    assert v1.rekeyed(ref, 2) == v2.card_reference(pan) != ref
    assert v2.card_reference(pan).startswith("ctk_") and len(v2.card_reference(pan)) == len(ref) == 44


def test_version_one_hashes_are_those_of_the_single_key_before_versions() -> None:
    key = secrets.token_bytes(32)
    assert Sm3Protector(key).identifier_hash("phone", "138") == Sm3Protector(HashKeyring((key,)), 1).identifier_hash(
        "phone", "138"
    )
    assert HashKeyring.parse(key.hex()).keys == (key,)
    # what databases hold: plain HMAC-SM3 of "kind:value", a card reference its first 160 bits
    assert Sm3Protector(key).identifier_hash("phone", "138") == hmac_sm3(key, b"phone:138").hex()
    assert Sm3Protector(key).card_reference("6222021234567890128") == (
        "ctk_" + hmac_sm3(key, b"card:6222021234567890128").hex()[:40]
    )


def test_keyring_text_round_trips_and_refuses_gaps_and_missing_versions(tmp_path: Path) -> None:
    assert HashKeyring.parse(RING.text()) == RING
    assert HashKeyring.parse(",".join(RING.text().split())) == RING  # the settings' one-line form
    with pytest.raises(InputError, match="without a gap"):
        HashKeyring.parse(f"v1:{'aa' * 32}\nv3:{'bb' * 32}")
    with pytest.raises(InputError, match="hexadecimal"):
        HashKeyring.parse("v1:zz")
    with pytest.raises(InputError, match="restore the keyring"):
        Sm3Protector(HashKeyring(RING.keys[:1]), 2)  # the database says 2, the keyring has 1

    path = tmp_path / "keys" / "identifier-hash.key"
    ring = load_or_create_keyring(path)
    assert load_or_create_keyring(path) == ring and path.stat().st_mode & 0o777 == 0o600
    write_keyring(path, ring.with_new_key())
    again = load_or_create_keyring(path)
    assert again.newest == 2 and again.keys[0] == ring.keys[0] and path.stat().st_mode & 0o777 == 0o600
