"""Account numbers: matched by a keyed reference, shown masked, kept in clear only sealed in the
vault (issue 12, part 4). A card-shaped account number (a debit card's number is its account's)
is a card and gets the card's reference, so an account and its card stay one entity.

>>> account_number(" 1001 2345 6789 0123 ")
'1001234567890123'
>>> mask_account("1001234567890123"), mask_account("acc-9")
('****0123', '****')
>>> is_reference("act_" + "0" * 40), is_reference("acc-0000266")
(True, False)
"""

from __future__ import annotations

import re

from fengkong.domain.errors import InputError

ACCOUNT_REF_PREFIX = "act_"
REF_PREFIXES = ("ctk_", ACCOUNT_REF_PREFIX)  # what `is_reference` recognises
_REFERENCE = re.compile(r"(?:ctk|act)_[0-9a-f]{40}")
REFERENCE_IN_TEXT = re.compile(r"\b(?:ctk|act)_[0-9a-f]{40}\b")
_SPACES = re.compile(r"\s+")
MAX_LENGTH = 64


def is_reference(value: str) -> bool:
    """A card or account reference made by fengkong (passed on as it is, never keyed again)."""
    return _REFERENCE.fullmatch(value) is not None


def account_number(value: str, field: str = "account_id") -> str:
    """The canonical form of an account number: spaces removed, letters upper-case (the same
    account however it was typed). Raises InputError naming `field`."""
    number = _SPACES.sub("", value).upper()
    if not number:
        raise InputError(field, "an account number cannot be blank")
    if len(number) > MAX_LENGTH or not number.isprintable():
        raise InputError(field, f"an account number is at most {MAX_LENGTH} printable characters")
    return number


def mask_account(number: str) -> str:
    """What a person sees: the last four characters, only of a number of eight or more."""
    return "****" + number[-4:] if len(number) >= 8 else "****"
