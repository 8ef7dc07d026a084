"""Functions that read the event itself beyond its contract fields."""

from __future__ import annotations

from typing import Any

from fengkong.domain.events import Event
from fengkong.domain.rules.functions import ANY, LIST, NUMBER, STRING, register

# 43号 art. 24: factor classes are knowledge, possession (cannot be copied / reused) and inherence.
FACTOR_CLASS = {
    "password": "knowledge",
    "sms_otp": "possession",
    "dynamic_token": "possession",
    "digital_certificate": "possession",
    "e_signature": "possession",
    "biometric": "inherence",
}


@register("extra", (STRING,), ANY, needs_event=True)
def extra(event: Event, name: Any) -> Any:
    """An extra (non-contract) field the sender added: extra("risk_flag")."""
    return event.fields.get(str(name))


@register("factor_classes", (LIST,), NUMBER)
def factor_classes(factors: Any) -> int:
    """Number of distinct authentication factor classes (knowledge / possession / inherence)."""
    return len({FACTOR_CLASS[f] for f in factors if f in FACTOR_CLASS})
