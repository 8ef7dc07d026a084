"""Authentication strength: factor classes (43号 art. 24) and quick-payment binding (004 二(2))."""

from __future__ import annotations

from typing import Any

from fengkong.domain import factors as factors_model
from fengkong.domain.factors import CERTIFICATES, FACTORS
from fengkong.domain.rules.functions import BOOL, LIST, NUMBER, STRING, register

# The factor suggested to add a class that is missing, in order of customer convenience.
_TO_ADD = (("possession", "sms_otp"), ("knowledge", "password"), ("inherence", "biometric"))


def _classes(factors: Any) -> set[str]:
    return {FACTORS[f].kind for f in factors if f in FACTORS}


@register("factor_classes", (LIST,), NUMBER)
def factor_classes(factors: Any) -> int:
    """Number of distinct authentication factor classes (knowledge / possession / inherence)."""
    return factors_model.factor_classes(factors)


@register("has_certificate", (LIST,), BOOL)
def has_certificate(factors: Any) -> bool:
    """True if a digital certificate or an electronic signature was verified."""
    return factors_model.has_certificate(factors)


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
    two different channels (an SMS code and a voice code are one channel: the phone line)."""
    return factors_model.binding_strong(factors)


@register("binding_missing", (LIST,), LIST)
def binding_missing(factors: Any) -> list[str]:
    """The fewest factors to add so that a quick-payment binding meets 004 二(2)."""
    have = set(factors)
    if binding_strong(have):
        return []
    if have & ({"dynamic_token"} | CERTIFICATES):
        return ["password"]  # token or certificate + password
    if "password" in have or factors_model.dynamic_channels(have):
        return ["dynamic_token"]  # password + token, or a second dynamic channel
    return ["password", "dynamic_token"]
