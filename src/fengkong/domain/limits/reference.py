"""Reference records the decision path reads: a customer's own single and daily limits
(001 §3.1, §4.1) and an account's transfer agreement (PBoC [2016] 261): daily amount and
count, account→account and account→bank. Rules read them as `reference` features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fengkong.domain.errors import InputError
from fengkong.domain.money import MoneyError, fen_to_yuan, parse_yuan


@dataclass(frozen=True, slots=True)
class ReferenceKind:
    name: str
    entity: str  # the entity kind the record belongs to (its key is that entity's id)
    money: tuple[str, ...]
    counts: tuple[str, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # text fields with their allowed values

    @property
    def fields(self) -> tuple[str, ...]:
        return self.money + self.counts + tuple(name for name, _ in self.choices)


# Graded dispositions of 003 (篇四): mildest first.
CARDHOLDER_ACTIONS = (
    "sms_education",
    "phone_education",
    "transaction_control",
    "credit_limit_reduction",
    "account_control",
)
MERCHANT_ACTIONS = ("delay_settlement", "freeze_settlement", "lower_limits", "suspend_credit", "withdraw_terminals")


KINDS: dict[str, ReferenceKind] = {
    "customer_limits": ReferenceKind("customer_limits", "customer", ("single", "daily"), ()),
    "transfer_agreement": ReferenceKind(
        "transfer_agreement",
        "account",
        ("to_account_daily_amount", "to_bank_daily_amount"),
        ("to_account_daily_count", "to_bank_daily_count"),
    ),
    "card_disposition": ReferenceKind(
        "card_disposition", "card", ("single", "daily"), ("level",), (("action", CARDHOLDER_ACTIONS),)
    ),
    "merchant_disposition": ReferenceKind(
        "merchant_disposition", "merchant", ("single", "daily"), ("level",), (("action", MERCHANT_ACTIONS),)
    ),
}


def normalise(kind_name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a record: money as exact yuan (stored as decimal strings), counts as integers."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise InputError("kind", f"is not a kind of record; one of {', '.join(KINDS)}")
    unknown = set(values) - set(kind.fields)
    if unknown:
        raise InputError(sorted(unknown)[0], f"not a field of {kind_name}; fields: {', '.join(kind.fields)}")
    record: dict[str, Any] = {}
    for name in kind.money:
        if values.get(name) is not None:
            try:
                record[name] = str(fen_to_yuan(parse_yuan(values[name])))
            except MoneyError as exc:
                raise InputError(name, str(exc)) from None
    for name in kind.counts:
        value = values.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(name, "must be a whole number of transfers, 0 or more")
            record[name] = value
    for name, allowed in kind.choices:
        value = values.get(name)
        if value is not None:
            if value not in allowed:
                raise InputError(name, f"one of {', '.join(allowed)}")
            record[name] = value
    if not record:
        raise InputError("(record)", f"set at least one of {', '.join(kind.fields)}")
    return record


def cache_key(kind_name: str, entity_id: str) -> str:
    """How features find a record: '<kind>:<entity>|<id>' (the entity key of the state store)."""
    return f"{kind_name}:{KINDS[kind_name].entity}|{entity_id}"


def for_rules(record: Mapping[str, Any], kind_name: str) -> dict[str, Any]:
    """Stored form -> the values rules compare with (Decimal yuan, int counts, text as is)."""
    money = set(KINDS[kind_name].money)
    return {k: Decimal(v) if k in money and isinstance(v, str) else v for k, v in record.items()}
