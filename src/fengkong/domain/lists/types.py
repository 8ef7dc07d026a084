"""The list types, what each one matches in an event, and how its values are keyed.

Sensitive values (resident ID numbers, card numbers, phones) are matched by keyed hash or
token: a list never holds them in clear.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date

from fengkong.domain.errors import InputError
from fengkong.domain.identity.accounts import account_number, is_reference, mask_account
from fengkong.domain.identity.documents import parse_identity_document
from fengkong.domain.identity.phones import checked_phone, mask_phone_digits, phone_digits
from fengkong.domain.identity.resident_id import ResidentIdError
from fengkong.domain.ports import IdentifierProtector
from fengkong.domain.sensitive import card_number, mask_pan, scrub_text


@dataclass(frozen=True, slots=True)
class ListType:
    name: str
    entity: str  # the entity kind of an event it is matched against
    zh: str
    en: str
    needs_amount: bool = False  # freezes hold an amount
    maker_checker_to_remove: bool = True


LIST_TYPES: dict[str, ListType] = {
    t.name: t
    for t in (
        ListType("involved_account", "account", "涉案账户", "account involved in fraud (confirmed)"),
        ListType("suspicious_account", "account", "可疑账户", "suspicious account"),
        ListType("cashout_cardholder", "customer", "套现持卡人", "cash-out cardholder"),
        ListType("cashout_merchant", "merchant", "套现商户", "cash-out merchant"),
        ListType("illegal_merchant", "merchant", "违规商户", "illegal merchant"),
        ListType("outsourcing_provider", "merchant", "违规外包服务机构", "blacklisted outsourcing provider"),
        ListType("device", "device", "黑名单设备", "blacklisted device"),
        ListType("ip", "ip", "黑名单IP", "blacklisted IP address"),
        ListType("phone", "phone", "黑名单手机号", "blacklisted phone number"),
        ListType("recycled_phone", "phone", "二次放号手机号", "recycled phone number (reassigned by the carrier)"),
        ListType("id_number", "person", "黑名单身份证号", "blacklisted resident ID number"),
        ListType("card", "card", "黑名单卡", "blacklisted card"),
        ListType(
            "compromised_card",
            "card",
            "信息泄露卡（伪卡、侧录、盗用）",
            "card reported compromised (counterfeit, skimmed, number stolen): its chip still the holder's",
        ),
        ListType(
            "compromised_terminal",
            "terminal",
            "疑似侧录终端（共同风险点）",
            "suspected skimming terminal (common point of compromise)",
        ),
        ListType(
            "skimming_report",
            "terminal",
            "侧录线索（伪卡此前用过的终端）",
            "terminal a card later confirmed counterfeit used before its fraud (one entry per card)",
        ),
        ListType("allow_customer", "customer", "白名单客户", "allow-listed customer"),
        ListType("allow_device", "device", "白名单设备", "allow-listed device"),
        ListType("allow_account", "account", "白名单账户", "allow-listed account"),
        ListType("stop_payment", "account", "紧急止付", "emergency stop-payment"),
        ListType("freeze", "account", "快速冻结", "quick freeze", needs_amount=True),
        ListType("penalty_account", "account", "出租出借出售账户惩戒", "penalty: account rented, lent or sold"),
        ListType(
            "penalty_person", "person", "出租出借出售账户惩戒（本人）", "penalty: owner of a rented or sold account"
        ),
        ListType(
            "penalty_person_business",
            "person",
            "出租出借出售账户惩戒（本人全部账户暂停非柜面及支付业务）",
            "penalty: all the owner's accounts - non-counter bank business and payment business suspended",
        ),
    )
}

# Entities that also match the payee of a transfer (e.g. an involved account as counterparty).
COUNTERPARTY_TYPES = frozenset({"involved_account", "suspicious_account", "stop_payment", "freeze"})


def match_key(list_type: str, value: str, protector: IdentifierProtector, today: date) -> tuple[str, str]:
    """(key to match events by, masked value for display). Raises InputError naming `value`."""
    kind = LIST_TYPES.get(list_type)
    if kind is None:
        raise InputError("list_type", f"unknown list; one of {', '.join(LIST_TYPES)}")
    text = value.strip()
    if not text or len(text) > 256:
        raise InputError("value", "the value must be 1 to 256 characters")
    return entity_key(kind.entity, text, protector, today)


def entity_key(entity: str, text: str, protector: IdentifierProtector, today: date) -> tuple[str, str]:
    """(key, masked value) of an entity's value as people give it: the key the door gives the
    same value in an event. A reference made by fengkong is already a key."""
    if is_reference(text) and entity in ("card", "account"):
        return text, text
    if entity == "person":
        try:
            document = parse_identity_document(text, today)
        except ResidentIdError as exc:
            raise InputError("value", f"identity number: {exc}") from None
        return protector.identifier_hash("id_number", document.number), document.masked
    if entity in ("card", "account"):
        # as the event's card fields: a card number (however grouped) by its reference
        digits = card_number(text)
        if digits is not None:
            return protector.card_reference(digits), mask_pan(digits)
    if entity == "account":
        number = account_number(text, "value")
        return protector.account_reference(number), mask_account(number)
    if entity == "phone":
        digits = checked_phone(text, "value")
        return phone_key(digits, protector), mask_phone_digits(digits)
    if entity == "ip":
        try:
            ip = str(ipaddress.ip_address(text))
        except ValueError:
            raise InputError("value", "is not an IPv4 or IPv6 address") from None
        return ip, ip
    text = scrub_text(text)  # as the event's text fields: a card number inside is masked
    return text, text


def phone_key(phone: str, protector: IdentifierProtector) -> str:
    """The keyed hash of a phone by its canonical digits (`+86 138…` and `138…` are one phone)."""
    return protector.identifier_hash("phone", phone_digits(phone))
