"""The identity numbers accepted at account opening, each with its own checks, and one canonical
form per person so that a list, a penalty or a count finds them whatever form was presented.

- Resident ID (居民身份证, GB 11643-1999): 18 characters, GB/T 2260 region, birth date, MOD 11-2.
- Legacy 15-digit resident ID (first generation): region, YYMMDD birth date (1900s), sequence;
  no check digit. Its canonical form is the 18-digit number it became (century and check digit
  added), so one person is one person.
- Hong Kong, Macau and Taiwan residents' residence permits (港澳台居民居住证): 18 characters with
  region 810000, 820000 or 830000, birth date, MOD 11-2.
- Foreigners' permanent residence ID (外国人永久居留身份证), 2023 card: 18 digits starting with
  9 (province of the issuing office, country code, birth date, sequence, MOD 11-2). The earlier
  card: 3 letters (country) and 12 digits; its check rule is not published, so only the form is
  checked and no birth date is read from it.

>>> parse_identity_document("110105491231002", date(2024, 1, 1)).number
'11010519491231002X'
>>> parse_identity_document("810000199001010019", date(2024, 1, 1)).kind
'hk_macau_taiwan_permit'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fengkong.domain.identity.resident_id import ResidentId, ResidentIdError, check_digit, parse_resident_id

RESIDENT = "resident_id"
RESIDENT_15 = "resident_id_15"
PERMIT = "hk_macau_taiwan_permit"
FOREIGN = "foreign_permanent_residence"
FOREIGN_2017 = "foreign_permanent_residence_2017"
KINDS = (RESIDENT, RESIDENT_15, PERMIT, FOREIGN, FOREIGN_2017)
PERMIT_REGIONS = {"810000": "Hong Kong", "820000": "Macau", "830000": "Taiwan"}

_EIGHTEEN = re.compile(r"^\d{17}[\dX]$")
_FIFTEEN = re.compile(r"^\d{15}$")
_FOREIGN_2017 = re.compile(r"^[A-Z]{3}\d{12}$")
# What the validator accepts before the checks above (the JSON Schema of `id_number`).
PATTERN = r"^(\d{17}[\dXx]|\d{15}|[A-Za-z]{3}\d{12})$"


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    kind: str
    number: str  # canonical: what is hashed and matched
    birth_date: date | None
    region_code: str | None

    def age_on(self, day: date) -> int | None:
        """Completed years on `day`; None when the document does not say."""
        if self.birth_date is None:
            return None
        return ResidentId(self.birth_date, self.region_code or "", False).age_on(day)

    @property
    def masked(self) -> str:
        return self.number[:6] + "*" * (len(self.number) - 10) + self.number[-4:]


def parse_identity_document(value: str, today: date) -> IdentityDocument:
    """Validate an identity number of any accepted kind; raise ResidentIdError saying what is wrong."""
    number = value.strip().upper()
    if _FOREIGN_2017.match(number):
        return IdentityDocument(FOREIGN_2017, number, None, None)
    if _FIFTEEN.match(number):
        return _legacy(number, today)
    if not _EIGHTEEN.match(number):
        raise ResidentIdError(
            "must be an 18-character identity number (17 digits and a check digit 0-9 or X), a 15-digit "
            "first-generation ID, or a permanent residence number of 3 letters and 12 digits"
        )
    if number[:6] in PERMIT_REGIONS:
        born = _birth(number[6:14], today)
        _check(number)
        return IdentityDocument(PERMIT, number, born, number[:6])
    if number.startswith("9"):
        born = _birth(number[6:14], today)
        _check(number)
        return IdentityDocument(FOREIGN, number, born, None)
    holder = parse_resident_id(number, today)
    return IdentityDocument(RESIDENT, number, holder.birth_date, holder.region_code)


def canonical_number(value: str, today: date) -> str:
    """The form an identity number is hashed and matched in (raises ResidentIdError)."""
    return parse_identity_document(value, today).number


def _legacy(number: str, today: date) -> IdentityDocument:
    """A first-generation ID: born in the 1900s; it becomes the 18-digit number of its holder."""
    seventeen = number[:6] + "19" + number[6:]
    upgraded = parse_resident_id(seventeen + check_digit(seventeen), today)
    return IdentityDocument(RESIDENT_15, seventeen + check_digit(seventeen), upgraded.birth_date, upgraded.region_code)


def _birth(text: str, today: date) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise ResidentIdError("the birth date in it is not a real date") from None
    if born > today or born.year < today.year - 150:
        raise ResidentIdError("the birth date in it is not plausible (in the future or over 150 years ago)")
    return born


def _check(number: str) -> None:
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise ResidentIdError("the check digit (last character) does not match ISO 7064 MOD 11-2")
