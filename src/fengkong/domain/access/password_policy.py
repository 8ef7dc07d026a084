"""The password policy for people who log in to fengkong (001 §3.8, §4.7): long enough, mixed,
not guessable (the transaction-password checks: runs, keyboard walks, common words and their
look-alikes, parts of the name, phone or ID number), and changed after an administrator set it."""

from __future__ import annotations

from fengkong.domain.errors import InputError
from fengkong.domain.identity.passwords import check_password

MIN_LENGTH = 10
MIN_CLASSES = 3  # of lower case, upper case, digits, symbols


def _classes(text: str) -> int:
    return sum(
        (
            any(c.islower() for c in text),
            any(c.isupper() for c in text),
            any(c.isdigit() for c in text),
            any(not c.isalnum() for c in text),
        )
    )


def check_staff_password(
    password: str, *, username: str, phone: str | None = None, id_number: str | None = None
) -> None:
    """Raise InputError naming `password` and every reason, never echoing the password."""
    reasons = [
        en for _, _, en in check_password(password, account_name=username, phone=phone, id_number=id_number).reasons
    ]
    if len(password) < MIN_LENGTH:
        reasons.insert(0, f"at least {MIN_LENGTH} characters")
    if _classes(password) < MIN_CLASSES:
        reasons.append(f"at least {MIN_CLASSES} of: lower case, upper case, digits, symbols")
    if reasons:
        raise InputError("password", "; ".join(dict.fromkeys(reasons)))
