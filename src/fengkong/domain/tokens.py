"""Payment tokens (R5): a token stands for a card inside a domain of use - how often, how much,
until when, on which channels, at which merchants. The rules enforce the domain; this module
says what a valid domain is and how rules see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import InputError
from fengkong.domain.events import Channel
from fengkong.domain.money import MoneyError, fen_to_yuan, parse_yuan

STATUSES = ("active", "suspended", "deleted")
CONTROLS = ("max_uses", "per_use_max", "total_max", "valid_from", "valid_until", "channels", "merchants")
_MONEY = ("per_use_max", "total_max")


@dataclass(frozen=True, slots=True)
class PaymentToken:
    token: str
    card_ref: str
    masked: str
    status: str
    controls: dict[str, Any] = field(default_factory=dict)
    created_by: str = ""
    created_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """What people and APIs see: never the card reference."""
        return {
            "token": self.token,
            "masked": self.masked,
            "status": self.status,
            "controls": self.controls,
            "created_by": self.created_by,
            "created_at": self.created_at,
        }

    def for_rules(self) -> dict[str, Any]:
        """Status and controls as rules read them (money as Decimal yuan)."""
        return {"status": self.status, **{k: Decimal(v) if k in _MONEY else v for k, v in self.controls.items()}}


def validate_controls(values: dict[str, Any]) -> dict[str, Any]:
    """A token's domain controls, checked: money as exact decimal strings, times as epoch seconds.

    >>> validate_controls({"max_uses": 3, "per_use_max": "500"})
    {'max_uses': 3, 'per_use_max': '500.00'}
    """
    unknown = set(values) - set(CONTROLS)
    if unknown:
        raise InputError(sorted(unknown)[0], f"not a token control; controls: {', '.join(sorted(CONTROLS))}")
    out: dict[str, Any] = {}
    if values.get("max_uses") is not None:
        uses = values["max_uses"]
        if isinstance(uses, bool) or not isinstance(uses, int) or uses < 1:
            raise InputError("max_uses", "must be a whole number, 1 or more")
        out["max_uses"] = uses
    for name in _MONEY:
        if values.get(name) is not None:
            try:
                out[name] = str(fen_to_yuan(parse_yuan(values[name])))
            except MoneyError as exc:
                raise InputError(name, str(exc)) from None
    for name in ("valid_from", "valid_until"):
        if values.get(name):
            try:
                moment = datetime.fromisoformat(str(values[name]))
            except ValueError:
                raise InputError(name, "must be an ISO-8601 time with offset") from None
            if moment.tzinfo is None:
                raise InputError(name, "needs a UTC offset")
            out[name] = clock.to_epoch_seconds(moment)
    if "valid_from" in out and "valid_until" in out and out["valid_until"] <= out["valid_from"]:
        raise InputError("valid_until", "must be after valid_from")
    if values.get("channels") is not None:
        channels = values["channels"]
        known = {c.value for c in Channel}
        if not isinstance(channels, list) or not channels or any(c not in known for c in channels):
            raise InputError("channels", f"a non-empty list of {', '.join(sorted(known))}")
        out["channels"] = channels
    if values.get("merchants") is not None:
        merchants = values["merchants"]
        if not isinstance(merchants, list) or not merchants or not all(isinstance(m, str) and m for m in merchants):
            raise InputError("merchants", "a non-empty list of merchant ids")
        out["merchants"] = merchants
    return out
