"""The CardVault contract (`Sm4CardVault`), over every VaultStore backend and its unit of work
(memory, SQLite file and in memory, PostgreSQL). Only CardVault's methods are used, plus reading
what the VaultStore holds."""

from __future__ import annotations

import pytest

from fengkong.adapters.crypto.sm3 import Sm3Protector
from fengkong.adapters.crypto.sm4 import MasterKeys, load_master_keys
from fengkong.adapters.crypto.vault import Sm4CardVault
from fengkong.bootstrap import Stores
from fengkong.domain.errors import NotFound

PAN_A = "6212345678901232"
PAN_B = "6222021234567890128"
PAN_C = "4111111111111111"
PAN_D = "5500000000000004"
PANS = (PAN_A, PAN_B, PAN_C, PAN_D)


def vault_over(stores: Stores, masters: MasterKeys | None = None) -> Sm4CardVault:
    """A vault started as the composition root starts it (a committed data key, made if missing)."""
    vault = Sm4CardVault(masters or load_master_keys(None), Sm3Protector(b"k" * 32), stores.vault, stores.uow)
    vault.ensure_data_key()
    return vault


@pytest.fixture
def masters() -> MasterKeys:
    return load_master_keys(None)


@pytest.fixture
def vault(stores: Stores, masters: MasterKeys) -> Sm4CardVault:
    return vault_over(stores, masters)


def keep(stores: Stores, vault: Sm4CardVault, *pans: str) -> list[str]:
    """Seal and store cards in one committed block; their references."""
    cards = [vault.seal(pan) for pan in pans]
    with stores.uow.atomic():
        vault.store(cards)
    return [c.ref for c in cards]


def test_seal_gives_a_stable_reference_per_card_number(vault: Sm4CardVault) -> None:
    first, again, other = vault.seal(PAN_A), vault.seal(PAN_A), vault.seal(PAN_B)
    assert first.ref == again.ref
    assert other.ref != first.ref
    assert first.ref.startswith("ctk_") and PAN_A not in first.ref
    assert first.ciphertext != again.ciphertext  # a fresh nonce each time


def test_masked_keeps_the_first_six_and_last_four_digits(stores: Stores, vault: Sm4CardVault) -> None:
    assert vault.seal(PAN_A).masked == "621234******1232"
    assert vault.seal(PAN_B).masked == "622202*********0128"
    assert vault.seal(PAN_C).masked == "411111******1111"
    [ref] = keep(stores, vault, PAN_A)
    assert vault.masked(ref) == "621234******1232"
    assert vault.masked(vault.seal(PAN_B).ref) is None  # sealed, never stored


def test_a_card_is_new_until_stored_and_committed(stores: Stores, vault: Sm4CardVault) -> None:
    card = vault.seal(PAN_A)
    assert card.new and card.ciphertext and card.dek_id
    assert vault.seal(PAN_A).new  # sealing alone does not make it known
    with stores.uow.atomic():
        vault.store([card])
        assert vault.seal(PAN_A).new  # stored but not committed yet
    known = vault.seal(PAN_A)
    assert not known.new
    assert (known.ref, known.masked, known.ciphertext, known.dek_id) == (card.ref, card.masked, None, None)
    assert vault.seal(PAN_B).new  # another card is still new


def test_storing_outside_a_block_commits_at_once(stores: Stores, vault: Sm4CardVault) -> None:
    card = vault.seal(PAN_A)
    vault.store([card])
    assert not vault.seal(PAN_A).new
    assert stores.vault.card(card.ref) == card


def test_a_store_that_rolls_back_leaves_the_card_unknown_and_nothing_stored(
    stores: Stores, vault: Sm4CardVault
) -> None:
    card = vault.seal(PAN_A)
    with pytest.raises(RuntimeError, match="roll back"), stores.uow.atomic():
        vault.store([card])
        raise RuntimeError("roll back")
    assert vault.seal(PAN_A).new
    assert stores.vault.card(card.ref) is None
    assert list(stores.vault.cards()) == []
    assert vault.masked(card.ref) is None
    with pytest.raises(NotFound):
        vault.reveal(card.ref)
    keep(stores, vault, PAN_A)  # it can be stored again afterwards
    assert vault.reveal(card.ref) == PAN_A


def test_a_card_stored_twice_is_one(stores: Stores, vault: Sm4CardVault) -> None:
    first, second = vault.seal(PAN_A), vault.seal(PAN_A)
    with stores.uow.atomic():
        vault.store([first, second])
    vault.store([first])
    cards = list(stores.vault.cards())
    assert [c.ref for c in cards] == [first.ref]
    assert cards[0].ciphertext == first.ciphertext
    assert vault.reveal(first.ref) == PAN_A


def test_reveal_returns_the_card_number(stores: Stores, vault: Sm4CardVault, masters: MasterKeys) -> None:
    refs = keep(stores, vault, *PANS)
    assert [vault.reveal(ref) for ref in refs] == list(PANS)
    # another vault over the same store and master keys reads them too (the data keys are stored)
    fresh = vault_over(stores, masters)
    assert [fresh.reveal(ref) for ref in refs] == list(PANS)
    assert fresh.check_all() == (4, [])


def test_reveal_of_an_unknown_reference_raises_not_found(stores: Stores, vault: Sm4CardVault) -> None:
    with pytest.raises(NotFound):
        vault.reveal("ctk_unknown")
    keep(stores, vault, PAN_A)
    with pytest.raises(NotFound):
        vault.reveal(vault.seal(PAN_B).ref)
    assert vault.masked("ctk_unknown") is None


def test_rotate_master_rewraps_every_data_key(stores: Stores, vault: Sm4CardVault, masters: MasterKeys) -> None:
    keep(stores, vault, PAN_A, PAN_B)
    vault.new_data_key()
    refs = keep(stores, vault, PAN_C)
    vault.new_data_key()  # a key that encrypts nothing yet is re-wrapped too
    before = {dek_id: (wrapped, version) for dek_id, wrapped, version in stores.vault.keys()}
    assert len(before) == 3 and {v for _, v in before.values()} == {"v1"}
    assert vault.rotate_master("v2") == 3
    after = {dek_id: (wrapped, version) for dek_id, wrapped, version in stores.vault.keys()}
    assert set(after) == set(before)
    assert all(after[d][1] == "v2" and after[d][0] != before[d][0] for d in after)
    assert vault.check_all() == (3, [])
    # the stored keys are wrapped under v2 now: a vault that never saw the old wrapping reads them
    fresh = vault_over(stores, masters)
    assert fresh.check_all() == (3, [])
    assert fresh.reveal(refs[0]) == PAN_C
    assert vault.rotate_master("v3") == 3
    assert {v for _, _, v in stores.vault.keys()} == {"v3"}
    assert vault_over(stores, masters).check_all() == (3, [])


def test_check_all_names_the_cards_that_do_not_decrypt(stores: Stores, vault: Sm4CardVault) -> None:
    [good] = keep(stores, vault, PAN_A)
    # a vault whose master keys never wrapped the stored data key cannot read the card
    assert vault_over(stores).check_all() == (0, [good])
    assert vault.check_all() == (1, [])


def test_new_data_key_is_used_for_later_cards(stores: Stores, vault: Sm4CardVault) -> None:
    [old_ref] = keep(stores, vault, PAN_A)
    old = stores.vault.card(old_ref)
    assert old is not None and old.dek_id is not None
    dek_id = vault.new_data_key()
    assert dek_id != old.dek_id
    active = stores.vault.active_key()
    assert active is not None and active[0] == dek_id
    card = vault.seal(PAN_B)
    assert card.dek_id == dek_id
    vault.store([card])
    stored = {c.ref: c.dek_id for c in stores.vault.cards()}
    assert stored == {old_ref: old.dek_id, card.ref: dek_id}
    assert vault.reveal(old_ref) == PAN_A and vault.reveal(card.ref) == PAN_B
    assert vault.check_all() == (2, [])
    assert sorted(d for d, _, _ in stores.vault.keys()) == sorted([old.dek_id, dek_id])


def test_the_clear_card_number_is_never_stored(stores: Stores, vault: Sm4CardVault) -> None:
    keep(stores, vault, PAN_A, PAN_B)
    vault.new_data_key()
    keep(stores, vault, PAN_C, PAN_D)
    vault.rotate_master("v2")
    cards = list(stores.vault.cards())
    assert len(cards) == 4
    for card in cards:
        assert card.ciphertext is not None and card.dek_id is not None
        for pan in PANS:
            assert pan.encode() not in card.ciphertext
            assert pan.encode("utf-16-le") not in card.ciphertext
            assert pan not in card.masked and pan not in card.ref and pan not in card.dek_id
            assert pan[6:-4] not in card.masked  # the middle digits are hidden
    for dek_id, wrapped, _ in stores.vault.keys():
        assert all(pan.encode() not in wrapped and pan not in dek_id for pan in PANS)


def test_a_data_key_started_in_a_block_that_rolls_back_is_not_used(
    stores: Stores, vault: Sm4CardVault, masters: MasterKeys
) -> None:
    before = stores.vault.active_key()
    assert before is not None
    with pytest.raises(RuntimeError, match="roll back"), stores.uow.atomic():
        vault.new_data_key()
        raise RuntimeError("roll back")
    assert stores.vault.active_key() == before
    card = vault.seal(PAN_A)
    vault.store([card])
    assert vault.reveal(card.ref) == PAN_A
    # what is stored must be readable by a vault that starts afresh (as after a restart)
    assert vault_over(stores, masters).check_all() == (1, [])
    assert card.dek_id == before[0]
