"""Secrets by field name and card numbers by shape: the hits, and the near misses that must stay."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.domain.sensitive import (
    card_number,
    field_name_words,
    find_pans,
    luhn_valid,
    mask_pan,
    scrub_text,
    secret_field_kind,
)
from fengkong.domain.validation import FIELDS

PAN = "6222021234567890128"  # 19 digits, Luhn-valid
VISA_13 = "4222222222222"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        # card verification codes
        ("cvv", "cvn"),
        ("CVV2", "cvn"),
        ("cvn2", "cvn"),
        ("CVN2", "cvn"),
        ("cvc", "cvn"),
        ("cardCvc", "cvn"),
        ("cvv_code", "cvn"),
        ("card-cvv", "cvn"),
        ("card_verification_code", "cvn"),
        ("securityCode", "cvn"),
        # PINs, as a word
        ("pin", "pin"),
        ("PIN", "pin"),
        ("pin_code", "pin"),
        ("pincode", "pin"),
        ("atm_pin", "pin"),
        ("atmPin", "pin"),
        ("pinBlock", "pin"),
        ("pin_block", "pin"),
        ("pin-block", "pin"),
        ("card pin", "pin"),
        ("offlinePin", "pin"),
        # expiry
        ("expiry", "expiry"),
        ("expiryDate", "expiry"),
        ("expiry_date", "expiry"),
        ("exp", "expiry"),
        ("exp_month", "expiry"),
        ("expYear", "expiry"),
        ("card_exp", "expiry"),
        ("cardExpiry", "expiry"),
        ("exp_date", "expiry"),
        ("expiration", "expiry"),
        ("expiration_date", "expiry"),
        ("valid_thru", "expiry"),
        # track and chip data
        ("track", "track"),
        ("track1", "track"),
        ("Track2", "track"),
        ("track2Data", "track"),
        ("track_data", "track"),
        ("track2_equivalent", "track"),
        ("iccData", "chip"),
        ("ICCData", "chip"),
        ("icc", "chip"),
        ("chip_data", "chip"),
        ("emvData", "chip"),
        # passwords
        ("password", "password"),
        ("Password", "password"),
        ("atm_password", "password"),
        ("loginPassword", "password"),
        ("payPassword", "password"),
        ("new_password", "password"),
        ("passwd", "password"),
        ("loginPwd", "password"),
        ("PWD", "password"),
        ("txn.pwd", "password"),
        ("passcode", "password"),
        ("pass_code", "password"),
        ("passphrase", "password"),
    ],
)
def test_secret_field_names_in_every_spelling(name: str, kind: str) -> None:
    assert secret_field_kind(name) == kind


NEAR_MISSES = [
    "pinyin",  # the romanisation of a name
    "name_pinyin",
    "shipping",
    "shipping_address",
    "spinner",
    "opinion",
    "mapping",
    "experience",
    "experience_years",
    "export",
    "exported_at",
    "expected",
    "expected_amount",
    "expense",
    "express",
    "passed",
    "passport_no",
    "bypass",
    "compass",
    "passenger",
    "tracking_id",
    "racetrack_name",
    "card_has_chip",
    "chipset",
    "basic_data",
    "spin",
    "pink",
    "note",
    "memo",
    "device",
    "card",
    "card_number",
]


@pytest.mark.parametrize("name", NEAR_MISSES)
def test_near_misses_are_kept(name: str) -> None:
    assert secret_field_kind(name) is None


def test_no_contract_field_is_taken_for_a_secret() -> None:
    assert [name for name in FIELDS if secret_field_kind(name) is not None] == []


def test_field_names_split_into_words() -> None:
    assert field_name_words("atm_password") == ("atm", "password")
    assert field_name_words("loginPwd") == ("login", "pwd")
    assert field_name_words("ICCData") == ("icc", "data")
    assert field_name_words("card-exp.month year") == ("card", "exp", "month", "year")
    assert field_name_words("__") == ()


@pytest.mark.parametrize(
    "written",
    [
        PAN,
        "6222 0212 3456 7890 128",
        "6222-0212-3456-7890-128",
        "6222.0212.3456.7890.128",
        "622202 1234567890128",
        "6222-0212 3456.7890-128",  # mixed single separators
    ],
)
def test_card_numbers_in_any_grouping_are_found_and_masked(written: str) -> None:
    text = f"user c-{written}: refund"
    assert find_pans(text) == [PAN]
    assert scrub_text(text) == f"user c-{mask_pan(PAN)}: refund"
    assert card_number(written) == PAN


def test_full_width_card_numbers_are_found() -> None:
    """Chinese input methods type full-width digits and spaces: still a card number."""
    full_width = "６２２２　０２１２　３４５６　７８９０　１２８"
    assert find_pans(f"卡号{full_width}谢谢") == [PAN]
    assert scrub_text(f"卡号{full_width}谢谢") == f"卡号{mask_pan(PAN)}谢谢"
    assert card_number(full_width) == PAN


def test_card_numbers_inside_ids_and_free_text() -> None:
    assert scrub_text(f"dev_{PAN}") == f"dev_{mask_pan(PAN)}"
    assert scrub_text(f"T{PAN}x") == f"T{mask_pan(PAN)}x"
    assert scrub_text(f"card {VISA_13} ok") == f"card {mask_pan(VISA_13)} ok"
    assert scrub_text(f"{PAN} and {PAN}") == f"{mask_pan(PAN)} and {mask_pan(PAN)}"
    # a card number next to other digits of the same run: the card number is still found
    assert find_pans(f"1234 {'6222 0212 3456 7890 128'}") == [PAN]


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-01 10:05:00",
        "2024-03-01 2024-03-31",  # two dates: 16 digits, but in groups of 2
        "1709258460000",  # epoch milliseconds: 13 digits, not a Visa number
        "1234567890.12",
        "192.168.100.200 10.0.0.1",
        "139-7142-6085",  # a phone: 11 digits
        "+86 139 7142 6085",
        "6222021234567890127",  # one digit off: not Luhn-valid
        "62220212345678901280000",  # 23 digits: no card number
    ],
)
def test_no_false_card_numbers(text: str) -> None:
    assert find_pans(text) == []
    assert scrub_text(text) == text


def test_card_number_is_the_whole_value_or_none() -> None:
    assert card_number(f" {PAN} ") == PAN
    assert card_number(f"acct-{PAN}") is None
    assert card_number("ctk_" + "1" * 40) is None
    assert card_number("k1") is None


@given(st.text(alphabet="0123456789 -.x", max_size=60))
def test_scrubbed_text_holds_no_card_number(text: str) -> None:
    scrubbed = scrub_text(text)
    assert find_pans(scrubbed) == []
    assert len(scrubbed) <= len(text)  # a mask is never longer than what it hides
    assert all(luhn_valid(p) for p in find_pans(text))
