"""Authentication factors: each has a class (43号 art. 24: something the customer knows, holds
that cannot be copied or reused, or is) and a channel; two dynamic factors are strong only when
they come over two different channels (004 二(2)).

>>> factor_classes(["password", "sms_otp"])
2
>>> dynamic_channels(["sms_otp", "voice_otp"])  # both reach the same phone line
{'phone'}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    kind: str  # knowledge | possession | inherence
    channel: str  # what an attacker must control to pass it
    dynamic: bool = False  # a one-time value or a confirmation, not a static secret


FACTORS: dict[str, Factor] = {
    f.name: f
    for f in (
        Factor("password", "knowledge", "knowledge"),
        Factor("sms_otp", "possession", "phone", dynamic=True),
        Factor("voice_otp", "possession", "phone", dynamic=True),
        Factor("app_confirmation", "possession", "app", dynamic=True),
        Factor("email_otp", "possession", "email", dynamic=True),
        Factor("dynamic_token", "possession", "token", dynamic=True),
        Factor("digital_certificate", "possession", "certificate"),
        Factor("e_signature", "possession", "certificate"),
        Factor("biometric", "inherence", "face"),
    )
}
CERTIFICATES = frozenset({"digital_certificate", "e_signature"})
CHANNELS = tuple(dict.fromkeys(f.channel for f in FACTORS.values()))
# What an SMS-like factor travels over: worthless once the phone number or SIM changed hands.
PHONE_CHANNEL = "phone"


def known(factors: Iterable[str]) -> list[str]:
    return [f for f in factors if f in FACTORS]


def factor_classes(factors: Iterable[str]) -> int:
    """Number of distinct factor classes (knowledge / possession / inherence)."""
    return len({FACTORS[f].kind for f in factors if f in FACTORS})


def dynamic_channels(factors: Iterable[str]) -> set[str]:
    """The distinct channels of the dynamic factors presented."""
    return {FACTORS[f].channel for f in factors if f in FACTORS and FACTORS[f].dynamic}


def has_certificate(factors: Iterable[str]) -> bool:
    return any(f in CERTIFICATES for f in factors)


def binding_strong(factors: Iterable[str]) -> bool:
    """004 二(2): certificate + password, dynamic token + password, or two dynamic factors over
    two different channels."""
    have = set(factors)
    return (
        bool(have & CERTIFICATES and "password" in have)
        or {"dynamic_token", "password"} <= have
        or len(dynamic_channels(have)) >= 2
    )


def only_phone(factors: Iterable[str]) -> bool:
    """Every possession factor presented travels over the phone line (SMS, voice)."""
    possession = [FACTORS[f] for f in factors if f in FACTORS and FACTORS[f].kind == "possession"]
    return bool(possession) and all(f.channel == PHONE_CHANNEL for f in possession)


def satisfied(presented: Iterable[str], required: Iterable[str]) -> bool:
    """Whether the factors presented include every factor required (nothing required: yes)."""
    return set(required) <= set(presented)


def trusted(presented: Iterable[str], distrusted: Iterable[str]) -> list[str]:
    """The factors presented that count: those over a channel not distrusted for this event."""
    out = set(distrusted)
    return [f for f in presented if f in FACTORS and FACTORS[f].channel not in out]


def challenge_factors(asked: Iterable[str], presented: Iterable[str], distrusted: Iterable[str]) -> tuple[str, ...]:
    """What a challenge asks: the factors asked for and not yet presented, with any factor over a
    distrusted channel replaced - never an SMS or voice code alone once the phone number, SIM or
    device changed hands (biometrics do not travel with a number).

    >>> challenge_factors(["sms_otp"], ["password"], ["phone"])
    ('biometric',)
    """
    have = set(trusted(presented, distrusted))
    out = set(distrusted)
    chosen: list[str] = []
    for factor in asked:
        if factor in FACTORS and FACTORS[factor].channel in out:
            factor = "biometric"
        if factor in FACTORS and factor not in have and factor not in chosen:
            chosen.append(factor)
    return tuple(chosen)


# Factors added to reach a floor, in order of customer convenience, one per missing class.
_BY_CLASS = (("knowledge", "password"), ("possession", "sms_otp"), ("inherence", "biometric"))


def floor_factors(presented: Iterable[str], certificate: bool) -> tuple[str, ...]:
    """Factors to add so that the presented ones reach the floor of 43号 art. 24: two factor
    classes, and with `certificate` (an amount above what two classes allow) a digital
    certificate too. A step-up that names no factors asks for these.

    >>> floor_factors([], certificate=False)
    ('password', 'sms_otp')
    >>> floor_factors(["password", "sms_otp"], certificate=True)
    ('digital_certificate',)
    """
    have = set(presented)
    add: list[str] = []
    if certificate and not has_certificate(have):
        add.append("digital_certificate")
    for kind, factor in _BY_CLASS:
        if factor_classes([*have, *add]) >= 2:
            break
        if kind not in {FACTORS[f].kind for f in [*have, *add] if f in FACTORS}:
            add.append(factor)
    return tuple(add)
