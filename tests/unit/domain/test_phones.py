"""One phone however it is written (issue 13, part 4): the canonical digits every phone match keys on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.domain.errors import InputError
from fengkong.domain.identity.phones import checked_phone, phone_digits

MOBILE = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


def spellings(mobile: str) -> list[str]:
    grouped = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    return [
        mobile,
        f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
        f"+86 {grouped}",
        f"+86-{mobile}",
        f"0086 {mobile}",
        f"0086{mobile}",
        f"86{mobile}",
        f"86 {grouped}",
        f" ({mobile[:3]}) {mobile[3:]} ",
    ]


@given(MOBILE)
def test_every_spelling_of_a_mainland_mobile_is_one_phone_and_keeps_its_old_key(mobile: str) -> None:
    # the old key was the digits alone: numbers already on lists keep matching
    assert {phone_digits(s) for s in spellings(mobile)} == {mobile}


@given(MOBILE)
def test_the_fast_path_for_plain_mobiles_agrees_with_reading_them(mobile: str) -> None:
    # a plain mobile skips the reading; with a space or a prefix it is read: the same phone
    assert phone_digits(mobile) == phone_digits(f"{mobile} ") == phone_digits(f"+86 {mobile}") == mobile


@given(MOBILE, MOBILE)
def test_two_different_mobiles_stay_two_phones(a: str, b: str) -> None:
    assert (phone_digits(a) == phone_digits(b)) == (a == b)


def test_a_landline_keeps_its_trunk_zero_and_a_foreign_number_its_country_code() -> None:
    assert phone_digits("010-12345678") == phone_digits("+86 10 1234 5678") == "01012345678"
    assert phone_digits("+852 9123 4567") == phone_digits("00852 9123 4567") == "0085291234567"
    # the same national digits in another country are another phone
    assert phone_digits("+852 9123 4567") != phone_digits("9123 4567")


def test_what_is_not_a_phone_number_keeps_its_digits_and_a_person_is_told_which_field() -> None:
    assert phone_digits("95588") == "95588"  # a bank's service number: short, still one value
    with pytest.raises(InputError) as err:
        checked_phone("12-34", "value")
    assert err.value.field == "value"
