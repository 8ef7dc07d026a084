"""One phone number, however it was written: the canonical digits every phone match keys on.

Senders write the same mobile as `13800138000`, `138-0013-8000`, `+86 138 0013 8000`,
`0086 13800138000` or `86-13800138000`; lists, sharing and features must see one number. A
number is read with `phonenumbers` (region CN by default); a mainland number becomes its
digits as dialled at home (so keys made before this existed still match) and any other
country's number `00<country code><national number>`. What cannot be read as a number keeps
its digits, as before.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from fengkong.domain.errors import InputError

_DIGITS = re.compile(r"\D")
MAINLAND = 86


def phone_digits(text: str) -> str:
    """The canonical digits of a phone number (see the module docstring)."""
    if len(text) == 11 and text[0] == "1" and text.isdigit():
        return text  # a mainland mobile as most senders write it: already canonical (the door's hot path)
    return _read(text)


@lru_cache(maxsize=65536)
def _read(text: str) -> str:
    """Any other spelling, read by `phonenumbers` (tens of microseconds: remembered)."""
    raw = text.strip()
    digits = _DIGITS.sub("", raw)
    candidate = raw
    if raw.startswith("00"):
        candidate = "+" + digits[2:]
    elif not raw.startswith("+") and digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        candidate = "+" + digits  # 86 and a mainland mobile, without the plus
    try:
        number = phonenumbers.parse(candidate, "CN")
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    if number.country_code == MAINLAND:  # as dialled at home: a landline keeps its leading 0
        return _DIGITS.sub("", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return f"00{number.country_code}{number.national_number}"


def checked_phone(text: str, field: str) -> str:
    """Canonical digits of a phone given by a person (a list entry, a shared report), or a clear
    error naming the field."""
    digits = phone_digits(text)
    if not 5 <= len(digits) <= 15:
        raise InputError(field, "a phone number has 5 to 15 digits")
    return digits


def mask_phone_digits(digits: str) -> str:
    """First three and last four digits: enough for a person to recognise the number."""
    return digits[:3] + "****" + digits[-4:]
