"""Resident identity numbers (公民身份号码, GB 11643-1999): format, birth date, region and the
ISO 7064 MOD 11-2 check digit, each with its own clear error.

The region table is python-stdnum's copy of the GB/T 2260 administrative divisions (a pure
lookup bundled with the library).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_FORMAT = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class ResidentIdError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ResidentId:
    birth_date: date
    region_code: str
    male: bool

    def age_on(self, day: date) -> int:
        """Completed years on `day`."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits.

    >>> check_digit("11010519491231002")
    'X'
    """
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse_resident_id(value: str, today: date) -> ResidentId:
    """Validate an 18-character resident ID number; raise ResidentIdError saying what is wrong."""
    number = value.strip().upper()
    if not _FORMAT.match(number):
        raise ResidentIdError("must be 18 characters: 17 digits and a check digit (0-9 or X)")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError("the birth date in it is not a real date") from None
    if born > today or born.year < today.year - 150:
        raise ResidentIdError("the birth date in it is not plausible (in the future or over 150 years ago)")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise ResidentIdError("the check digit (last character) does not match GB 11643 (ISO 7064 MOD 11-2)")
    if not _known_region(number[:6]):
        raise ResidentIdError("the region code (first 6 digits) is not a GB/T 2260 administrative division")
    return ResidentId(born, number[:6], int(number[16]) % 2 == 1)


def _known_region(code: str) -> bool:
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    try:
        ric.get_birth_place(code + "19900101" + "0000")
    except ValidationError:
        return False
    return True
