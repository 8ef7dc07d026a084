"""Limits per merchant and terminal (003 §3.2.3-3.2.4): single and daily amounts set by the
merchant's scale and risk, tighter for a personal settlement account, lowered when cash-out
indicators are high. The numbers are policy data (`policy.merchant_single_<scale>`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

SCALES = ("micro", "small", "medium", "large")
RISKS = ("low", "medium", "high")
_FEN = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Limits:
    single: Decimal
    daily: Decimal
    basis: str  # why these numbers, for the record and the reviewer

    def scaled(self, share: Decimal, why: str) -> Limits:
        return Limits(
            (self.single * share).quantize(_FEN, ROUND_DOWN),
            (self.daily * share).quantize(_FEN, ROUND_DOWN),
            f"{self.basis}; {why} x{share}",
        )


Policy = Callable[[str], Any]


def _yuan(policy: Policy, name: str) -> Decimal:
    value = policy(name)
    if value is None or isinstance(value, bool):
        raise KeyError(f"policy value {name!r} is missing")
    return Decimal(str(value))


def merchant_limits(scale: str, risk: str, personal_settlement: bool, policy: Policy) -> Limits:
    """The limits a merchant gets at onboarding when none are given."""
    limits = Limits(
        _yuan(policy, f"merchant_single_{scale}"), _yuan(policy, f"merchant_daily_{scale}"), f"scale {scale}"
    )
    if personal_settlement:  # 003 §3.2.3: limit single and daily amounts
        cap_single, cap_daily = _yuan(policy, "personal_settlement_single"), _yuan(policy, "personal_settlement_daily")
        if cap_single < limits.single or cap_daily < limits.daily:
            limits = Limits(
                min(limits.single, cap_single), min(limits.daily, cap_daily), f"{limits.basis}; personal settlement"
            )
    if risk != "low":
        limits = limits.scaled(_yuan(policy, f"merchant_limit_share_{risk}_risk"), f"{risk} risk")
    return limits


def terminal_limits(kind: str, merchant: Limits | None, policy: Policy) -> Limits | None:
    """A terminal's own limits: a mobile POS moves with its holder, so less than its merchant's;
    a fixed till is under its merchant's limits and needs none of its own."""
    if merchant is None or kind != "mobile":
        return None
    return merchant.scaled(_yuan(policy, "mobile_pos_limit_share"), "mobile POS")


def cashout_lowered(limits: Limits, level: int, policy: Policy) -> Limits | None:
    """The limits of a merchant the cash-out scan put at `level` (None below level 2)."""
    if level < 2:
        return None
    level = min(level, 3)
    return limits.scaled(_yuan(policy, f"cashout_limit_share_level{level}"), f"cash-out level {level}")
