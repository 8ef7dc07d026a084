"""Identity numbers at account opening: every form in use, each with its own checks, one
canonical number per person."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.domain.identity.documents import (
    FOREIGN,
    FOREIGN_2017,
    PERMIT,
    RESIDENT,
    RESIDENT_15,
    parse_identity_document,
)
from fengkong.domain.identity.resident_id import ResidentIdError, check_digit

TODAY = date(2026, 11, 29)
REGIONS = ("110105", "310104", "440305", "510107")  # Beijing Chaoyang, Shanghai Xuhui, Shenzhen Nanshan, Chengdu Wuhou
births = st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


def with_check(seventeen: str) -> str:
    return seventeen + check_digit(seventeen)


@given(st.sampled_from(REGIONS), births, sequences)
def test_a_legacy_id_is_the_same_person_as_the_id_it_became(region: str, born: date, sequence: int) -> None:
    eighteen = with_check(f"{region}{born:%Y%m%d}{sequence:03d}")
    fifteen = f"{region}{born:%y%m%d}{sequence:03d}"
    old, new = parse_identity_document(fifteen, TODAY), parse_identity_document(eighteen, TODAY)
    assert (old.kind, new.kind) == (RESIDENT_15, RESIDENT)
    assert old.number == new.number == eighteen
    assert old.birth_date == new.birth_date == born and old.age_on(TODAY) == new.age_on(TODAY)


@given(st.sampled_from(("810000", "820000", "830000")), births, sequences)
def test_hong_kong_macau_taiwan_permits(region: str, born: date, sequence: int) -> None:
    number = with_check(f"{region}{born:%Y%m%d}{sequence:03d}")
    document = parse_identity_document(number, TODAY)
    assert (document.kind, document.birth_date, document.region_code) == (PERMIT, born, region)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ResidentIdError, match="check digit"):
        parse_identity_document(wrong, TODAY)


@given(st.integers(min_value=11, max_value=65), st.integers(min_value=4, max_value=894), births, sequences)
def test_foreigners_permanent_residence_2023(province: int, country: int, born: date, sequence: int) -> None:
    number = with_check(f"9{province:02d}{country:03d}{born:%Y%m%d}{sequence:03d}")
    document = parse_identity_document(number, TODAY)
    assert (document.kind, document.birth_date) == (FOREIGN, born)
    assert document.age_on(TODAY) is not None


def test_foreigners_permanent_residence_2017_form_only() -> None:
    document = parse_identity_document(" usa110090011209 ", TODAY)
    assert (document.kind, document.number, document.birth_date) == (FOREIGN_2017, "USA110090011209", None)
    assert document.age_on(TODAY) is None and document.masked == "USA110*****1209"


@pytest.mark.parametrize(
    ("number", "complaint"),
    [
        ("110105491331002", "not a real date"),  # legacy: 13th month
        ("999999491231002", "region code"),  # legacy: no such region
        ("810000" + (TODAY + timedelta(days=1)).strftime("%Y%m%d") + "0010", "not plausible"),  # born tomorrow
        ("91105600199013010X", "not a real date"),
        ("12345", "identity number"),
        ("AB1100900112090", "identity number"),  # two letters
    ],
)
def test_each_form_says_what_is_wrong(number: str, complaint: str) -> None:
    with pytest.raises(ResidentIdError, match=complaint):
        parse_identity_document(number, TODAY)
