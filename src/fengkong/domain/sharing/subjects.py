"""What a shared report is about, and the one canonical form of each kind of subject.

Members exchange a subject only as its keyed SM3 hash under the consortium key, so the hash of
one card, account, person or merchant must be the same at every institution however its number
was typed. `canonical_subject` is that form; the door (events) and the sharing service (people
reporting) both hash what it returns, so an event meets the reports about its subjects.
"""

from __future__ import annotations

from datetime import date

from fengkong.domain.errors import InputError
from fengkong.domain.identity.accounts import account_number
from fengkong.domain.identity.documents import canonical_number
from fengkong.domain.identity.phones import checked_phone
from fengkong.domain.identity.resident_id import ResidentIdError
from fengkong.domain.ports import IdentifierProtector
from fengkong.domain.sensitive import card_number
from fengkong.domain.sharing.entities import SHARED_ENTITIES, SHARED_FIELDS

__all__ = ["SHARED_ENTITIES", "SHARED_FIELDS", "SUBJECT_TYPES", "canonical_subject", "door_hashes", "subject_hash"]

SUBJECT_TYPES = ("account", "phone", "id_number", "device", "card", "merchant")


def canonical_subject(subject_type: str, value: str, today: date) -> str:
    """The form a subject is hashed in: card numbers as digits, account numbers without spaces,
    identity numbers as their 18-character form, phones as their canonical digits.

    >>> from datetime import date
    >>> canonical_subject("card", "6222 0212 3456 7894", date(2026, 1, 1))
    '6222021234567894'
    >>> canonical_subject("account", "6200 0000 0001", date(2026, 1, 1))
    '620000000001'
    """
    if subject_type not in SUBJECT_TYPES:
        raise InputError("subject_type", f"one of {', '.join(SUBJECT_TYPES)}")
    text = value.strip()
    if not text:
        raise InputError("value", "is required")
    if subject_type == "card":
        digits = card_number(text)
        if digits is None:
            raise InputError("value", "a card is shared by its card number (13-19 digits, Luhn-valid)")
        return digits
    if subject_type == "account":
        return account_number(text, "value")
    if subject_type == "id_number":
        try:
            return canonical_number(text, today)
        except ResidentIdError as exc:
            raise InputError("value", f"identity number: {exc}") from None
    if subject_type == "phone":
        return checked_phone(text, "value")
    return text


def subject_hash(consortium: IdentifierProtector, subject_type: str, canonical: str) -> str:
    """The consortium-keyed hash of a subject in canonical form (the same at every member)."""
    return consortium.identifier_hash(subject_type, canonical)


def door_hashes(
    consortium: IdentifierProtector,
    *,
    card: str | None = None,
    account: str | None = None,
    counterparty: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    merchant: str | None = None,
) -> dict[str, str]:
    """The consortium hashes the door adds to an event, from the identifiers it sees in clear
    (each already in canonical form: card digits, account numbers, the identity number)."""
    given = {
        "shared_card_hash": ("card", card),
        "shared_account_hash": ("account", account),
        "shared_counterparty_hash": ("account", counterparty),
        "shared_person_hash": ("id_number", id_number),
        "shared_phone_hash": ("phone", phone),
        "shared_merchant_hash": ("merchant", merchant.strip() if merchant else None),
    }
    return {field: subject_hash(consortium, kind, value) for field, (kind, value) in given.items() if value}
