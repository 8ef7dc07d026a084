"""Entities of the rule language that name a subject as the consortium knows it: the entity,
the subject type its reports are filed under, and the event field the door puts its
consortium-keyed hash in (no imports: the feature definitions read it)."""

from __future__ import annotations

SHARED_ENTITIES: dict[str, tuple[str, str]] = {
    "shared_person": ("id_number", "shared_person_hash"),
    "shared_account": ("account", "shared_account_hash"),
    "shared_counterparty": ("account", "shared_counterparty_hash"),
    "shared_card": ("card", "shared_card_hash"),
    "shared_merchant": ("merchant", "shared_merchant_hash"),
    "shared_phone": ("phone", "shared_phone_hash"),
}
SHARED_FIELDS = tuple(field for _, field in SHARED_ENTITIES.values())
