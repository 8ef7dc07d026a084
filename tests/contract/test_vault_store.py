"""The VaultStore contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

import pytest

from fengkong.bootstrap import Stores
from fengkong.domain.cards import SealedCard

# Bytes that would not survive a text round trip: NUL, high bytes, invalid UTF-8.
BLOB_A = bytes(range(256)) + b"\x00\xff\xfe"
BLOB_B = b"\x00\x01\x80\x81\xc3\x28" * 5


def sealed(n: int, blob: bytes | None = None, dek: str | None = "dek_1") -> SealedCard:
    return SealedCard(f"ctk_{n:04d}", f"621234******{n:04d}", blob if blob is not None else bytes([n % 256]) * 44, dek)


def test_active_key_is_none_at_first(stores: Stores) -> None:
    assert stores.vault.active_key() is None
    assert stores.vault.keys() == []


def test_add_key_makes_the_new_key_active_and_the_old_one_stays_readable(stores: Stores) -> None:
    vault = stores.vault
    vault.add_key("dek_1", BLOB_A, "v1")
    assert vault.active_key() == ("dek_1", BLOB_A, "v1")
    vault.add_key("dek_2", BLOB_B, "v2")
    assert vault.active_key() == ("dek_2", BLOB_B, "v2")
    assert vault.key("dek_1") == (BLOB_A, "v1")
    assert vault.key("dek_2") == (BLOB_B, "v2")
    vault.add_key("dek_3", b"third", "v2")
    assert vault.active_key() == ("dek_3", b"third", "v2")
    assert vault.key("dek_1") == (BLOB_A, "v1")


def test_keys_lists_every_key(stores: Stores) -> None:
    vault = stores.vault
    vault.add_key("dek_1", BLOB_A, "v1")
    vault.add_key("dek_2", BLOB_B, "v1")
    vault.add_key("dek_3", b"three", "v2")
    listed = vault.keys()
    assert len(listed) == 3
    assert sorted(listed) == [("dek_1", BLOB_A, "v1"), ("dek_2", BLOB_B, "v1"), ("dek_3", b"three", "v2")]


def test_rewrap_replaces_the_wrapped_bytes_and_the_version(stores: Stores) -> None:
    vault = stores.vault
    vault.add_key("dek_1", BLOB_A, "v1")
    vault.add_key("dek_2", b"second", "v1")
    vault.rewrap("dek_1", BLOB_B, "v2")
    assert vault.key("dek_1") == (BLOB_B, "v2")
    assert vault.key("dek_2") == (b"second", "v1")
    assert vault.active_key() == ("dek_2", b"second", "v1")  # rewrapping does not change the active key
    vault.rewrap("dek_2", b"again", "v2")
    assert vault.active_key() == ("dek_2", b"again", "v2")
    assert sorted(vault.keys()) == [("dek_1", BLOB_B, "v2"), ("dek_2", b"again", "v2")]


def test_card_and_cards_round_trip_sealed_cards_bytes_exact(stores: Stores) -> None:
    vault = stores.vault
    first, second = sealed(2, BLOB_A, "dek_a"), sealed(1, BLOB_B, "dek_b")
    vault.add_cards([first, second])
    assert vault.card(first.ref) == first
    got = vault.card(second.ref)
    assert got is not None and got.ciphertext == BLOB_B and isinstance(got.ciphertext, bytes)
    assert (got.ref, got.masked, got.dek_id) == ("ctk_0001", "621234******0001", "dek_b")
    assert vault.card("ctk_unknown") is None
    assert sorted(vault.cards(), key=lambda c: c.ref) == [second, first]


def test_only_cards_that_carry_a_ciphertext_are_stored(stores: Stores) -> None:
    vault = stores.vault
    known = SealedCard("ctk_known", "621234******0009")  # sealed for a card the vault holds already
    vault.add_cards([known, sealed(1)])
    assert vault.card("ctk_known") is None
    assert [c.ref for c in vault.cards()] == ["ctk_0001"]
    vault.add_cards([known])
    assert [c.ref for c in vault.cards()] == ["ctk_0001"]


def test_a_card_stored_twice_in_one_call_is_one_with_the_first_ciphertext(stores: Stores) -> None:
    vault = stores.vault
    vault.add_cards([sealed(1, BLOB_A, "dek_1"), sealed(2), sealed(1, BLOB_B, "dek_2")])
    cards = list(vault.cards())
    assert sorted(c.ref for c in cards) == ["ctk_0001", "ctk_0002"]
    assert vault.card("ctk_0001") == sealed(1, BLOB_A, "dek_1")


def test_a_card_stored_twice_in_two_calls_keeps_the_first_ciphertext(stores: Stores) -> None:
    vault = stores.vault
    vault.add_cards([sealed(1, BLOB_A, "dek_1")])
    vault.add_cards([sealed(1, BLOB_B, "dek_2"), sealed(3)])
    assert vault.card("ctk_0001") == sealed(1, BLOB_A, "dek_1")
    assert sorted(c.ref for c in vault.cards()) == ["ctk_0001", "ctk_0003"]
    with stores.uow.atomic():
        vault.add_cards([sealed(1, BLOB_B, "dek_2")])
        vault.add_cards([sealed(1, b"third", "dek_3")])
    assert vault.card("ctk_0001") == sealed(1, BLOB_A, "dek_1")
    assert len(list(vault.cards())) == 2


def test_an_empty_vault_has_no_cards(stores: Stores) -> None:
    stores.vault.add_cards([])
    assert list(stores.vault.cards()) == []
    assert stores.vault.card("ctk_0001") is None


def test_writes_in_a_block_that_rolls_back_are_not_kept(stores: Stores) -> None:
    vault = stores.vault
    vault.add_key("dek_1", BLOB_A, "v1")
    vault.add_cards([sealed(1)])
    with pytest.raises(RuntimeError, match="roll back"), stores.uow.atomic():
        vault.add_key("dek_2", BLOB_B, "v1")
        vault.rewrap("dek_1", b"rewrapped", "v2")
        vault.add_cards([sealed(2), sealed(1, BLOB_B)])
        assert vault.active_key() == ("dek_2", BLOB_B, "v1")
        raise RuntimeError("roll back")
    assert vault.active_key() == ("dek_1", BLOB_A, "v1")
    assert vault.keys() == [("dek_1", BLOB_A, "v1")]
    assert [c.ref for c in vault.cards()] == ["ctk_0001"] and vault.card("ctk_0001") == sealed(1)
