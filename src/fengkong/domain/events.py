"""Events as the domain sees them: validated, normalised, with sensitive fields already removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fengkong.domain.cards import SealedCard
from fengkong.domain.money import fen_to_yuan


class EventType(StrEnum):
    TRANSACTION = "transaction"
    LOGIN = "login"
    ACCOUNT_OPEN = "account_open"
    CARD_BIND = "card_bind"
    PROFILE_CHANGE = "profile_change"
    REPAYMENT = "repayment"
    FEEDBACK = "feedback"
    # v1.1, the decision lifecycle
    CHALLENGE_RESULT = "challenge_result"  # the answer to a step-up challenge
    PAYMENT_OUTCOME = "payment_outcome"  # what finally happened to a payment in the core system
    HOLD_RESOLUTION = "hold_resolution"  # an analyst released or declined a held payment (made by fengkong)


class TxnType(StrEnum):
    PURCHASE = "purchase"
    TRANSFER = "transfer"
    WITHDRAWAL = "withdrawal"
    DEPOSIT = "deposit"
    BALANCE_PAYMENT = "balance_payment"
    INVESTMENT = "investment"
    PREAUTH = "preauth"
    PREAUTH_COMPLETION = "preauth_completion"
    VOID = "void"
    REVERSAL = "reversal"
    REFUND = "refund"


# Which way a transaction moves the customer's money: fraud rules that guard money leaving
# (`applies_to: {money: out}`) never refuse money coming back; lists and orders still apply.
MONEY_OUT = frozenset(
    {
        TxnType.PURCHASE,
        TxnType.TRANSFER,
        TxnType.WITHDRAWAL,
        TxnType.BALANCE_PAYMENT,
        TxnType.INVESTMENT,
        TxnType.PREAUTH,
        TxnType.PREAUTH_COMPLETION,
    }
)
MONEY_IN = frozenset({TxnType.DEPOSIT, TxnType.REFUND, TxnType.REVERSAL, TxnType.VOID})
MONEY_DIRECTIONS: dict[str, frozenset[str]] = {
    "out": frozenset(t.value for t in MONEY_OUT),
    "in": frozenset(t.value for t in MONEY_IN),
}


class Channel(StrEnum):
    POS = "pos"
    ATM = "atm"
    QUICK_PAY = "quick_pay"
    ONLINE_BANKING = "online_banking"
    MOBILE_BANKING = "mobile_banking"
    COUNTER = "counter"
    QR_CODE = "qr_code"


class AuthFactor(StrEnum):
    """Factor names of the contract (v1.1 adds voice_otp, app_confirmation, email_otp); their
    classes and channels are in domain/factors.py."""

    PASSWORD = "password"
    SMS_OTP = "sms_otp"
    VOICE_OTP = "voice_otp"
    APP_CONFIRMATION = "app_confirmation"
    EMAIL_OTP = "email_otp"
    DYNAMIC_TOKEN = "dynamic_token"
    DIGITAL_CERTIFICATE = "digital_certificate"
    E_SIGNATURE = "e_signature"
    BIOMETRIC = "biometric"


@dataclass(frozen=True, slots=True)
class Event:
    """One accepted event.

    `fields` holds every contract field in normalised form (and unknown extra fields as sent):
    strings stay strings, `amount` is an exact Decimal of yuan, `location` a dict. `ts` is the
    event time in epoch seconds, used by windows; `occurred_at` keeps the sender's offset.
    """

    event_id: str
    type: EventType
    occurred_at: datetime
    ts: float
    fields: dict[str, Any] = field(default_factory=dict)
    amount_fen: int | None = None
    redacted: tuple[str, ...] = ()
    # Card numbers first seen in this event, encrypted: stored with the event, in its commit.
    sealed: tuple[SealedCard, ...] = field(default=(), compare=False, repr=False)

    def get(self, name: str) -> Any:
        return self.fields.get(name)

    @property
    def amount(self) -> Decimal | None:
        return None if self.amount_fen is None else fen_to_yuan(self.amount_fen)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready form for the event log (amount as a decimal string, never a float)."""
        record: dict[str, Any] = {}
        for key, value in self.fields.items():
            record[key] = str(value) if isinstance(value, Decimal) else value
        record["event_id"] = self.event_id
        record["type"] = self.type.value
        record["occurred_at"] = self.occurred_at.isoformat()
        return record
