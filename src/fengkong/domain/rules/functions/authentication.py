"""Authentication strength: factor classes (43号 art. 24) and quick-payment binding (004 二(2))."""

from __future__ import annotations

from typing import Any

from fengkong.domain.rules.functions import BOOL, LIST, NUMBER, STRING, register

# Factor classes: something only the customer knows, holds (cannot be copied or reused), or is.
FACTOR_CLASS = {
    "password": "knowledge",
    "sms_otp": "possession",
    "dynamic_token": "possession",
    "digital_certificate": "possession",
    "e_signature": "possession",
    "biometric": "inherence",
}
CERTIFICATES = frozenset({"digital_certificate", "e_signature"})
# The factor suggested to add a class that is missing, in order of customer convenience.
_TO_ADD = (("possession", "sms_otp"), ("knowledge", "password"), ("inherence", "biometric"))


def _classes(factors: Any) -> set[str]:
    return {FACTOR_CLASS[f] for f in factors if f in FACTOR_CLASS}


@register("factor_classes", (LIST,), NUMBER)
def factor_classes(factors: Any) -> int:
    """Number of distinct authentication factor classes (knowledge / possession / inherence)."""
    return len(_classes(factors))


@register("has_certificate", (LIST,), BOOL)
def has_certificate(factors: Any) -> bool:
    """True if a digital certificate or an electronic signature was verified."""
    return any(f in CERTIFICATES for f in factors)


@register("missing_factors", (LIST, STRING), LIST)
def missing_factors(factors: Any, level: Any) -> list[str]:
    """Factors to add to reach a verification level: "two_classes" (two factor classes) or
    "certificate" (two classes including a digital certificate or e-signature)."""
    have = set(factors)
    classes = _classes(have)
    out: list[str] = []
    if level == "certificate" and not have & CERTIFICATES:
        out.append("digital_certificate")
        classes.add("possession")
    if len(classes) < 2:
        for cls, factor in _TO_ADD:
            if cls not in classes:
                out.append(factor)
                break
    return out


@register("binding_strong", (LIST,), BOOL)
def binding_strong(factors: Any) -> bool:
    """004 二(2): certificate + password, dynamic token + password, or two dynamic factors over
    two different channels (SMS code + dynamic token)."""
    have = set(factors)
    return (
        {"digital_certificate", "password"} <= have
        or {"dynamic_token", "password"} <= have
        or {"sms_otp", "dynamic_token"} <= have
    )


@register("binding_missing", (LIST,), LIST)
def binding_missing(factors: Any) -> list[str]:
    """The fewest factors to add so that a quick-payment binding meets 004 二(2)."""
    have = set(factors)
    if binding_strong(have):
        return []
    if "password" in have or "sms_otp" in have:
        return ["dynamic_token"]
    if have & {"dynamic_token", "digital_certificate"}:
        return ["password"]
    return ["password", "dynamic_token"]
