"""The cases of the source documents, end to end through the built-in rule pack: each attack
is stopped before most of the money leaves."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import fengkong
from fengkong import Decision, Engine, Outcome

CST = timezone(timedelta(hours=8))
BEIJING = {"lat": 39.9042, "lon": 116.4074, "city": "Beijing", "country": "CN"}
SHANGHAI = {"lat": 31.2304, "lon": 121.4737, "city": "Shanghai", "country": "CN"}
CHONGQING = {"lat": 29.5630, "lon": 106.5516, "city": "Chongqing", "country": "CN"}
HARBIN = {"lat": 45.8038, "lon": 126.5350, "city": "Harbin", "country": "CN"}
MACAU = {"lat": 22.1987, "lon": 113.5439, "city": "Macau", "country": "MO"}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with fengkong.embedded(tmp_path / "data") as platform:
        yield platform.engine


class Customer:
    """Builds one customer's ordinary history: daytime spending at home, one phone."""

    def __init__(self, cid: str, home: dict[str, Any], *, chip: bool = True, seed: int = 1):
        self.cid, self.home, self.chip = cid, home, chip
        self.card, self.account, self.device, self.ip = f"card-{cid}", f"acc-{cid}", f"dev-{cid}", "36.1.2.3"
        self.rng = random.Random(seed)
        self.n = 0

    def event(self, when: datetime, **fields: Any) -> dict[str, Any]:
        self.n += 1
        return {"event_id": f"{self.cid}-{self.n}", "occurred_at": when.isoformat(), "customer_id": self.cid, **fields}

    def pos(self, when: datetime, amount: float, where: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "type": "transaction",
            "txn_type": "purchase",
            "channel": "pos",
            "amount": f"{amount:.2f}",
            "account_id": self.account,
            "card_id": self.card,
            "card_has_chip": self.chip,
            "entry_mode": "chip" if self.chip else "magstripe",
            "location": where or self.home,
            "merchant_id": "m-home",
            "terminal_id": "t-home",
            "mcc": "5411",
        }
        return self.event(when, **{**fields, **extra})

    def history(self, start: datetime, days: int) -> list[dict[str, Any]]:
        out = []
        for day in range(days):
            for _ in range(self.rng.randint(0, 2)):
                when = start + timedelta(days=day, hours=self.rng.uniform(9, 21))
                amount = self.rng.uniform(30, 400)
                if self.rng.random() < 0.6:
                    out.append(self.pos(when, amount))
                else:
                    out.append(
                        self.event(
                            when - timedelta(seconds=30),
                            type="login",
                            username=self.cid,
                            success=True,
                            method="password",
                            device_id=self.device,
                            ip=self.ip,
                        )
                    )
                    out.append(
                        self.event(
                            when,
                            type="transaction",
                            txn_type="purchase",
                            channel="quick_pay",
                            amount=f"{amount:.2f}",
                            account_id=self.account,
                            card_id=self.card,
                            device_id=self.device,
                            ip=self.ip,
                            auth_factors=["password"],
                        )
                    )
        return out


def decide_all(engine: Engine, events: list[dict[str, Any]]) -> list[Decision]:
    results = engine.decide_many(events)
    assert all(isinstance(r, Decision) for r in results), results
    return results  # type: ignore[return-value]


def leaked(events: list[dict[str, Any]], decisions: list[Decision]) -> tuple[Decimal, Decimal]:
    """(approved amount, attempted amount) of the money-moving events."""
    approved = attempted = Decimal(0)
    for event, decision in zip(events, decisions, strict=True):
        if event["type"] == "transaction":
            attempted += Decimal(event["amount"])
            if decision.decision is Outcome.APPROVE:
                approved += Decimal(event["amount"])
    return approved, attempted


def qin_attack(qin: Customer, with_reset: bool) -> list[dict[str, Any]]:
    """002: at 03:23 a stranger holding Qin's recycled phone number pays through quick payment."""
    at = datetime(2019, 12, 12, 3, 21, tzinfo=CST)
    attacker = {"device_id": "attacker-phone", "ip": "113.5.6.7"}
    events = [qin.event(at, type="login", username=qin.cid, success=True, method="sms_otp", **attacker)]
    if with_reset:
        events.append(
            qin.event(
                at + timedelta(minutes=1), type="profile_change", field="payment_password", via="sms_otp", **attacker
            )
        )
    for i, amount in enumerate([160, 200, 5000, 5000, 5000, 5000, 5000, 5000, 10000, 20000]):
        events.append(
            qin.event(
                at + timedelta(minutes=2, seconds=20 * i),
                type="transaction",
                txn_type="transfer",
                channel="quick_pay",
                amount=str(amount),
                account_id=qin.account,
                card_id=qin.card,
                counterparty_account_id="mule-002",
                auth_factors=["sms_otp"],
                **attacker,
            )
        )
    return events


@pytest.mark.parametrize("with_reset", [True, False], ids=["sms-reset-then-pay", "probing-only"])
def test_002_recycled_phone_number_night_sequence(engine: Engine, with_reset: bool) -> None:
    qin = Customer("qin", BEIJING)
    decide_all(engine, qin.history(datetime(2019, 10, 1, tzinfo=CST), 70))
    attack = qin_attack(qin, with_reset)
    decisions = decide_all(engine, attack)
    approved, attempted = leaked(attack, decisions)
    assert attempted == Decimal(60360)
    assert approved <= attempted * Decimal("0.01"), (approved, [d.decision.value for d in decisions])
    stopped = [
        d
        for e, d in zip(attack, decisions, strict=True)
        if e["type"] == "transaction" and d.decision is not Outcome.APPROVE
    ]
    codes = {r.code for d in stopped for r in d.reasons}
    assert codes & {"PAYMENT_AFTER_SMS_RESET", "PROBING_PATTERN", "NIGHT_OUT_OF_HABIT", "NEW_DEVICE_AND_IP"}
    for d in stopped:
        assert d.reasons[0].message_zh and d.reasons[0].message_en


@pytest.mark.parametrize("hours_since_home_use", [2, 72], ids=["same-day", "three-days-later"])
def test_001_macau_card(engine: Engine, hours_since_home_use: int) -> None:
    """001 §3.3 case 2: the supplementary card swiped three times in Macau (10,000+ yuan in all)
    while both holders were provably elsewhere: a counterfeit of a stripe-only card."""
    chen = Customer("chen-sup", SHANGHAI, chip=False, seed=2)
    decide_all(engine, chen.history(datetime(2011, 4, 1, tzinfo=CST), 75))
    first_macau = datetime(2011, 6, 18, 15, 0, tzinfo=CST)
    decide_all(engine, [chen.pos(first_macau - timedelta(hours=hours_since_home_use), 88.0)])
    fraud = [
        chen.pos(
            first_macau + timedelta(minutes=25 * i),
            amount,
            MACAU,
            currency="MOP",
            mcc="5944",
            merchant_id="jewellery-mo",
        )
        for i, amount in enumerate([3600.0, 3900.0, 3300.0])
    ]
    decisions = decide_all(engine, fraud)
    approved, attempted = leaked(fraud, decisions)
    assert attempted > 10000 and approved == 0, [d.to_dict() for d in decisions]
    assert {r.code for d in decisions for r in d.reasons} & {"IMPOSSIBLE_TRAVEL", "FIRST_USE_ABROAD"}


def test_000_skimmed_cards_used_far_away(engine: Engine) -> None:
    """000: a doctored POS terminal copies cards and PINs; clones drain them at ATMs elsewhere."""
    victims = [Customer(f"skim-{i}", CHONGQING, chip=i < 4, seed=10 + i) for i in range(6)]
    for v in victims:
        decide_all(engine, v.history(datetime(2017, 6, 1, tzinfo=CST), 60))
    skim_day = datetime(2017, 8, 1, 12, 0, tzinfo=CST)
    decide_all(
        engine,
        [v.pos(skim_day + timedelta(minutes=7 * i), 120.0, terminal_id="t-doctored") for i, v in enumerate(victims)],
    )
    fraud: list[dict[str, Any]] = []
    for i, v in enumerate(victims):
        clone_at = skim_day + timedelta(days=2, hours=i)
        if not v.chip:  # the genuine stripe-only card is still in use at home that morning
            decide_all(engine, [v.pos(clone_at - timedelta(hours=1), 60.0)])
        for j in range(3):
            fraud.append(
                v.event(
                    clone_at + timedelta(minutes=10 * j),
                    type="transaction",
                    txn_type="withdrawal",
                    channel="atm",
                    amount="2500.00",
                    account_id=v.account,
                    card_id=v.card,
                    card_has_chip=v.chip,
                    entry_mode="magstripe",
                    location=HARBIN,
                    terminal_id="atm-harbin-1",
                )
            )
    fraud.sort(key=lambda e: e["occurred_at"])
    decisions = decide_all(engine, fraud)
    approved, attempted = leaked(fraud, decisions)
    assert attempted == Decimal(45000)
    assert approved <= attempted * Decimal("0.1"), (
        approved,
        [(e["card_id"], d.decision.value) for e, d in zip(fraud, decisions, strict=True)],
    )
    assert {r.code for d in decisions for r in d.reasons} >= {"CHIP_CARD_STRIPE_READ", "IMPOSSIBLE_TRAVEL"}
