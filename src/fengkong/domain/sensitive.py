"""What must never be stored: card security data and secrets (R5), and how to spot a card number.

Two tests, both used at the door (domain/validation.py) and wherever input is kept:

- a field *named* like a secret - card verification codes, PINs, expiry dates, track and chip
  data, passwords - is dropped with its value, whatever the sender's spelling
  (`secret_field_kind`);
- a *card number* is found in any string by its shape: a Luhn-valid run of 13-19 digits, the
  digits possibly grouped by single spaces, dashes or dots (`find_card_numbers`), and masked to
  its first 6 / last 4 digits (`scrub_text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# ---------------------------------------------------------------------------- field names

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")

# Each class of secret and the words (or two adjacent words run together) that name it. A
# pattern must match a whole word: `pin` is a word in `atm_pin` and `pinBlock`, but `pinyin`,
# `shipping` and `spinner` are other words; `exp` is a word in `card_exp` and `exp_month`, but
# not in `experience`, `export` or `expected`.
_SECRET_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cvn", re.compile(r"\w*cv[vcn]\w*|cardverification\w*|\w*securitycode")),
    (
        "pin",
        re.compile(
            r"(atm|card|pos|pay|payment|txn|trans|transaction|offline|online|new|old|e)?pin(code|block|no|num|number|data)?\d?"
        ),
    ),
    (
        "expiry",
        re.compile(
            r"(card)?exp(iry|iration)?(date|dt|month|mon|mm|year|yr|yy|yymm|mmyy)?|validthru|validthrough|goodthru"
        ),
    ),
    ("track", re.compile(r"track[123]?(data|equivalent)?")),
    ("chip", re.compile(r"icc(data)?|chipdata|emvdata|icdata")),
    ("password", re.compile(r"\w*(password|passwd|passcode|passphrase|pwd)\w*")),
)


def field_name_words(name: str) -> tuple[str, ...]:
    """A field name as lower-case words: split at separators (`_ - .` and spaces) and at
    camelCase boundaries, so that every sender's spelling of one name gives the same words.

    >>> field_name_words("atm_password"), field_name_words("pinBlock"), field_name_words("CVN2")
    (('atm', 'password'), ('pin', 'block'), ('cvn2',))
    >>> field_name_words("track2Data"), field_name_words("ICCData"), field_name_words("card-exp.month")
    (('track2', 'data'), ('icc', 'data'), ('card', 'exp', 'month'))
    """
    spaced = _CAMEL_BOUNDARY.sub(" ", name)
    return tuple(word.lower() for word in _SEPARATORS.split(spaced) if word)


@lru_cache(maxsize=4096)  # senders repeat their field names: decide once per name
def secret_field_kind(name: str) -> str | None:
    """The class of secret a field's name announces (`cvn`, `pin`, `expiry`, `track`, `chip`,
    `password`), or None.

    Why by normalised name and not by a list of names: senders spell one field in many ways
    (`cvv2`, `CVN2`, `cardCvc`, `cvv_code`; `pin_code`, `atm_pin`, `pinBlock`; `expiryDate`,
    `exp_month`, `card_exp`; `atm_password`, `loginPwd`), and an exact list let most of them
    through. Words are matched whole, alone or run together with their neighbour (`pass_code`
    is `passcode`, `card_exp` is `cardexp`), which keeps `pinyin`, `shipping`, `experience`,
    `export`, `expected` and `passed` out.

    >>> [secret_field_kind(n) for n in ("cvv_code", "pin_code", "expiryDate", "loginPwd", "pinyin")]
    ['cvn', 'pin', 'expiry', 'password', None]
    """
    words = field_name_words(name)
    units = (*words, *(a + b for a, b in zip(words, words[1:], strict=False)))
    for kind, pattern in _SECRET_WORDS:
        if any(pattern.fullmatch(unit) for unit in units):
            return kind
    return None


# ---------------------------------------------------------------------------- card numbers

# Digit groups joined by single separators: the candidates for a written-out card number.
_DIGIT_RUN = re.compile(r"[0-9]+(?:[ .\-][0-9]+)*")
_LONG_RUN = re.compile(r"[0-9][0-9 .\-]{11,}[0-9]")  # the quick test: no card number without one
_GROUP = re.compile(r"[0-9]+")
# Full-width digits and separators (Chinese input methods) read as their ASCII forms, one
# character for one, so that positions in the text stay the same.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－．\u3000", "0123456789-. ")
_FULL_WIDTH_CHARS = re.compile("[０-９－．\u3000]")
MIN_GROUP = 3  # card numbers are written in groups of 3 to 6 digits; dates and times use 2


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


def _is_card_number(digits: str) -> bool:
    """13-19 Luhn-valid digits; a 13-digit number must start with 4 (the only scheme that issued
    13-digit cards), which keeps epoch milliseconds (13 digits, starting with 1) out."""
    n = len(digits)
    return 13 <= n <= 19 and luhn_valid(digits) and (n > 13 or digits[0] == "4")


def looks_like_pan(value: str) -> bool:
    """A 13-19 digit Luhn-valid string: treated as a real card number."""
    return value.isascii() and value.isdigit() and _is_card_number(value)


@dataclass(frozen=True, slots=True)
class CardNumberSpan:
    start: int
    end: int
    digits: str


def find_card_numbers(text: str) -> list[CardNumberSpan]:
    """Every card number written in `text`: Luhn-valid 13-19 digits, as one run or in groups
    (of at least 3 digits) joined by single spaces, dashes or dots, in ASCII or full-width
    characters. Leftmost first, the longest card number at each place; digits of a longer run
    around it may stay.

    >>> [s.digits for s in find_card_numbers("paid 6222-0212-3456-7890-128 on 2024-03-01 12:00")]
    ['6222021234567890128']
    """
    found: list[CardNumberSpan] = []
    if _FULL_WIDTH_CHARS.search(text):
        text = text.translate(_FULL_WIDTH)
    if not _LONG_RUN.search(text):
        return found
    for run in _DIGIT_RUN.finditer(text):
        if run.end() - run.start() < 13:
            continue
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, run.start(), run.end())]
        i = 0
        while i < len(groups):
            best: CardNumberSpan | None = None
            digits = ""
            first = groups[i][1] - groups[i][0]
            for j in range(i, len(groups)):
                start, end = groups[j]
                if j > i and min(first, end - start) < MIN_GROUP:
                    break
                digits += text[start:end]
                if len(digits) > 19:
                    break
                if _is_card_number(digits):
                    best = CardNumberSpan(groups[i][0], end, digits)
            if best is not None:
                found.append(best)
                i = next(k for k, g in enumerate(groups) if g[1] == best.end) + 1
            else:
                i += 1
    return found


def card_number(value: str) -> str | None:
    """The card number a whole value is (digits only), however grouped; else None.

    >>> card_number(" 6222 0212 3456 7890 128 "), card_number("acct-6222021234567890128")
    ('6222021234567890128', None)
    """
    text = value.strip()
    if text.isascii() and text.isdigit():  # the usual form, quickly
        return text if _is_card_number(text) else None
    spans = find_card_numbers(text)
    if len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(text):
        return spans[0].digits
    return None


def find_pans(text: str) -> list[str]:
    """Every card number in `text`, digits only (used to scrub and to audit storage)."""
    return [span.digits for span in find_card_numbers(text)]


def mask_pan(pan: str) -> str:
    """First 6 / last 4, the display form allowed by the card schemes."""
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:] if len(pan) > 10 else "*" * len(pan)


def scrub_text(text: str) -> str:
    """Replace every card number in `text` (see `find_card_numbers`) by its mask, until none is
    left: the digits a mask keeps could make a new one with the digits around it.

    >>> scrub_text("refund to 6222 0212 3456 7890 128 please")
    'refund to 622202*********0128 please'
    """
    if not _LONG_RUN.search(text) and not _FULL_WIDTH_CHARS.search(text):  # the common case
        return text
    while spans := find_card_numbers(text):
        parts: list[str] = []
        last = 0
        for span in spans:
            parts.append(text[last : span.start])
            parts.append(mask_pan(span.digits))
            last = span.end
        parts.append(text[last:])
        text = "".join(parts)
    return text


# In what people type (reasons, notes, evidence), a mainland mobile number or a resident ID
# number standing on its own is masked too: a letter's details pasted in must not be kept.
_MOBILE = re.compile(r"(?<![0-9A-Za-z*])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9A-Za-z*])")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z*])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z*])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_checksum_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def scrub_free_text(text: str) -> str:
    """`scrub_text`, and mobile numbers (138****8000) and resident ID numbers with a valid check
    digit (110105********002X) masked.

    >>> scrub_free_text("customer 13800138000, ID 11010519491231002X, card 6222 0212 3456 7890 128")
    'customer 138****8000, ID 110105********002X, card 622202*********0128'
    """
    text = scrub_text(text)
    if len(text) < 11:
        return text
    text = _RESIDENT_ID.sub(
        lambda m: m.group(1) + "*" * 8 + m.group(2) if _id_checksum_ok(m.group(0)) else m.group(0), text
    )
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
