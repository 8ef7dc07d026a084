"""A simulated customer: where they live, how much and how often they pay, what they pay with."""

from __future__ import annotations

from dataclasses import dataclass, field

from fengkong.simulate.geography import City


@dataclass(slots=True)
class Customer:
    cid: str
    city: City
    level: float  # median amount, yuan
    rate: float  # transactions per day
    night_worker: bool
    traveller: bool
    device: str
    ip: str
    phone: str
    account: str
    card: str
    card_kind: str
    chip: bool
    payees: list[str] = field(default_factory=list)
    trip: tuple[int, int, City] | None = None  # (first day, day back, destination)
    credit_limit: int = 0  # yuan, credit cards only
