"""What must never be stored: card security data and secrets (R5), and how to spot a card number."""

from __future__ import annotations

import re

# Field names (lower-cased, also matched inside nested objects) removed at the door.
FORBIDDEN_FIELDS: frozenset[str] = frozenset(
    {
        "cvn",
        "cvn2",
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "card_verification_code",
        "track",
        "track1",
        "track2",
        "track3",
        "track_data",
        "track2_equivalent",
        "chip_data",
        "icc_data",
        "pin",
        "pin_block",
        "card_pin",
        "expiry",
        "expiry_date",
        "exp_date",
        "expiration",
        "card_expiry",
        "password",
        "login_password",
        "payment_password",
        "passwd",
        "new_password",
        "old_password",
        "transaction_password",
    }
)

_PAN_RE = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def luhn_valid(digits: str) -> bool:
    """Luhn (ISO/IEC 7812) check digit test."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def looks_like_pan(value: str) -> bool:
    """A 13-19 digit Luhn-valid string: treated as a real card number."""
    return 13 <= len(value) <= 19 and value.isdigit() and luhn_valid(value)


def find_pans(text: str) -> list[str]:
    """Every Luhn-valid 13-19 digit run in `text` (used to scrub and to audit storage)."""
    return [m for m in _PAN_RE.findall(text) if luhn_valid(m)]


def mask_pan(pan: str) -> str:
    """First 6 / last 4, the display form allowed by the card schemes."""
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:] if len(pan) > 10 else "*" * len(pan)


def scrub_text(text: str) -> str:
    """Replace card-number-like runs in free text (error excerpts, log lines) by their mask."""
    return _PAN_RE.sub(lambda m: mask_pan(m.group()) if luhn_valid(m.group()) else m.group(), text)
