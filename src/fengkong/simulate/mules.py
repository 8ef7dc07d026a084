"""Mule rings and the honest people who look like them (issue 13, part 3 and part 7).

Every parameter is drawn per run from the world's seed - how many victims, how much, how fast the
mule pays on, which class its account is - so no threshold can be tuned to one simulation.

- mule_collection: deceived customers (telecom fraud) pay an account opened for the fraud at our
  bank; money from other banks lands on it too (context, not ours to stop).
- mule_pass_through: the mule moves each sum on within minutes (快进快出) to a handful of new
  payees.

Look-alikes (legitimate, labelled separately so their friction is measured):

- family_new_account: parents send money to a child's (or relative's) newly opened account; the
  child spends it over days and now and then pays rent from it.
- wholesale_buyer: a small business pays large round orders to suppliers that many buyers pay.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Protocol

from fengkong.domain.identity.resident_id import check_digit
from fengkong.simulate.customer import Customer
from fengkong.simulate.geography import DOMESTIC, City


class World(Protocol):
    """What these scenarios need of the simulated world (simulate/world.py)."""

    start: datetime
    days: int
    funded_by: dict[str, str]  # an onward payment -> the payment whose money it moves
    merchants: dict[str, list[tuple[str, str, str]]]  # city -> (merchant, mcc, terminal)

    def emit(
        self,
        when: datetime,
        event: dict[str, Any],
        scenario: str | None = None,
        lookalike: str | None = None,
        context: bool = False,
    ) -> str: ...

    def txn(
        self,
        c: Customer,
        when: datetime,
        amount: float,
        *,
        channel: str,
        txn_type: str = "purchase",
        scenario: str | None = None,
        lookalike: str | None = None,
        rng: random.Random | None = None,
        context: bool = False,
        **extra: Any,
    ) -> str: ...

    def login(
        self,
        c: Customer,
        when: datetime,
        *,
        success: bool = True,
        device: str | None = None,
        ip: str | None = None,
        username: str | None = None,
        method: str = "password",
        scenario: str | None = None,
        lookalike: str | None = None,
    ) -> str: ...

    def hour_for(self, c: Customer) -> float: ...

    def add_merchant(self, city: City, merchant: tuple[str, str, str]) -> None: ...


def take(pool: list[Customer], n: int) -> list[Customer]:
    """Up to n customers off the pool (small test worlds run out)."""
    return [pool.pop() for _ in range(min(n, len(pool)))]


def resident_id(rng: random.Random) -> str:
    body = f"{rng.choice(['110105', '310104', '440305'])}{rng.randint(1970, 2006)}{rng.randint(1, 12):02d}"
    body += f"{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
    return body + check_digit(body)


def new_holder(rng: random.Random, tag: str, k: int) -> Customer:
    """A customer whose account is opened during the month (a mule, a child)."""
    return Customer(
        cid=f"c{tag}{k:06d}",
        city=rng.choice(DOMESTIC),
        level=rng.uniform(50, 300),
        rate=0.0,
        night_worker=False,
        traveller=False,
        device=f"dev-{tag}-{k}",
        ip=f"39.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
        phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        account=f"acc-{tag}-{k:06d}",
        card=f"card-{tag}-{k:06d}",
        card_kind="debit",
        chip=True,
    )


def open_account(w: World, c: Customer, when: datetime, account_class: str, rng: random.Random) -> str:
    return w.emit(
        when,
        {
            "type": "account_open",
            "institution_id": "bank-001",
            "customer_id": c.cid,
            "account_id": c.account,
            "account_kind": "bank",
            "account_class": account_class,
            "id_number": resident_id(rng),
            "phone": c.phone,
            "name": "测试",
            "verification_channels": 4,
            "face_to_face": account_class == "I",
            "device_id": c.device,
            "ip": c.ip,
        },
        context=True,
    )


def mule_rings(w: World, pool: list[Customer], scale: int, late: int, rng: random.Random) -> None:
    start_of = w.start
    for k in range(3 * scale):
        mule = new_holder(rng, "mule", k)
        opened = start_of + timedelta(days=rng.randrange(0, max(late, 1)), hours=rng.uniform(9, 17))
        open_account(w, mule, opened, rng.choices(["II", "III", "I"], weights=[6, 1, 3])[0], rng)
        first = start_of + timedelta(days=rng.randrange(late, max(late + 1, w.days - 1)), hours=rng.uniform(8, 20))
        span = timedelta(hours=rng.uniform(1, 30))
        median = rng.uniform(2000, 20000)
        incoming: list[tuple[datetime, float, str | None]] = []
        for victim in take(pool, rng.randint(3, 10)):
            t = first + span * rng.random()
            parts = rng.choice([1, 1, 2, 3])
            total = rng.lognormvariate(0, 0.5) * median
            for p in range(parts):
                when = t + timedelta(minutes=p * rng.uniform(1, 15))
                amount = round(total / parts, rng.choice([2, -2]))
                paid = w.txn(
                    victim,
                    when,
                    amount,
                    channel=rng.choice(["mobile_banking", "online_banking"]),
                    txn_type="transfer",
                    counterparty_account_id=mule.account,
                    scenario="mule_collection",
                    rng=rng,
                )
                incoming.append((when, amount, paid))
        for o in range(rng.randint(0, 5)):  # other banks' victims
            when = first + span * rng.random()
            amount = round(rng.lognormvariate(0, 0.5) * median, 2)
            w.emit(
                when,
                {
                    "type": "transaction",
                    "institution_id": "bank-001",
                    "customer_id": mule.cid,
                    "txn_type": "deposit",
                    "channel": "online_banking",
                    "amount": f"{amount:.2f}",
                    "account_id": mule.account,
                    "counterparty_account_id": f"ext-{k}-{o}",
                },
                context=True,
            )
            incoming.append((when, amount, None))  # lands whatever we decide
        onward = [f"onward-{k}-{j}" for j in range(rng.randint(2, 6))]
        share = rng.uniform(0.8, 1.0)
        fastest, slowest = rng.uniform(1, 5), rng.uniform(10, 60)
        for when, amount, source in sorted(incoming, key=lambda item: item[0]):
            onward_id = w.txn(
                mule,
                when + timedelta(minutes=rng.uniform(fastest, slowest)),
                amount * share,
                channel="mobile_banking",
                txn_type="transfer",
                counterparty_account_id=rng.choice(onward),
                scenario="mule_pass_through",
                rng=rng,
            )
            if source is not None:  # the mule can only send on what reached it
                w.funded_by[onward_id] = source


def family_money(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    for k in range(10 * scale):
        parents = take(pool, rng.choice([1, 1, 2]))
        if not parents:
            return
        child = new_holder(rng, "kid", k)
        day = rng.randrange(0, max(1, w.days - 4))
        opened = w.start + timedelta(days=day, hours=rng.uniform(9, 17))
        open_account(w, child, opened, rng.choices(["II", "I"], weights=[8, 2])[0], rng)
        received: list[tuple[datetime, float]] = []
        for parent in parents:
            generosity = rng.uniform(2, 12)  # how many of the parent's usual payments a gift is worth
            for _ in range(rng.randint(1, 3)):
                when = _daytime(w, rng, opened, rng.uniform(0.2, w.days - day - 1))
                amount = round(rng.lognormvariate(0, 0.4) * generosity * parent.level, -2) or 100.0
                w.login(parent, when - timedelta(seconds=40))
                w.txn(
                    parent,
                    when,
                    amount,
                    channel="mobile_banking",
                    txn_type="transfer",
                    counterparty_account_id=child.account,
                    lookalike="family_new_account",
                    rng=rng,
                )
                received.append((when, amount))
        end = w.start + timedelta(days=w.days)
        for when, amount in received:
            for _ in range(rng.randint(1, 4)):  # spent little by little
                spent_at = _daytime(w, rng, when, rng.uniform(0.1, 4))
                if spent_at < end:
                    w.txn(
                        child,
                        spent_at,
                        rng.uniform(20, 400),
                        channel="qr_code",
                        lookalike="family_new_account",
                        rng=rng,
                    )
            if rng.random() < 0.5:  # rent or fees paid from it
                paid_at = when + timedelta(hours=rng.uniform(1, 96))
                if paid_at < end:
                    w.txn(
                        child,
                        paid_at,
                        amount * rng.uniform(0.3, 0.9),
                        channel="mobile_banking",
                        txn_type="transfer",
                        counterparty_account_id=f"landlord-{k}",
                        lookalike="family_new_account",
                        rng=rng,
                    )


def _daytime(w: World, rng: random.Random, after: datetime, days: float) -> datetime:
    """Some `days` after `after`, moved into waking hours (8:00-22:00)."""
    when = after + timedelta(days=days)
    if not 8 <= when.hour < 22:
        when = when.replace(hour=rng.randint(8, 21))
    return when


def wholesale_buyers(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    """Small businesses paying large round orders: mostly to their usual suppliers (paid before
    the month too), now and then to a new one."""
    suppliers = [f"supplier-{k}" for k in range(max(3, 3 * scale))]
    for buyer in take(pool, 20 * scale):
        usual = rng.sample(suppliers, rng.randint(1, 2))
        size = rng.uniform(10000, 80000)
        for _ in range(rng.randint(5, 8)):  # a business with a history: its suppliers are known payees
            when = w.start - timedelta(days=rng.uniform(5, 80))
            w.txn(
                buyer,
                _daytime(w, rng, when, 0),
                round(size * rng.uniform(0.5, 1.5), -3),
                channel="online_banking",
                txn_type="transfer",
                counterparty_account_id=rng.choice(usual),
                rng=rng,
                context=True,  # history before the month: not measured
            )
        for _ in range(rng.randint(2, 5)):
            when = w.start + timedelta(days=rng.randrange(w.days), hours=rng.uniform(9, 18))
            supplier = rng.choice(usual) if rng.random() < 0.85 else rng.choice(suppliers)
            w.login(buyer, when - timedelta(seconds=40))
            w.txn(
                buyer,
                when,
                round(size * rng.uniform(0.5, 1.5), -3),
                channel="online_banking",
                txn_type="transfer",
                counterparty_account_id=supplier,
                lookalike="wholesale_buyer",
                rng=rng,
            )


def plan(w: World, pool: list[Customer], scale: int, late: int, seed: int) -> None:
    """Mule rings and their look-alikes, from their own random stream: the rest of the world is
    drawn as before, so existing scenarios repeat for a given seed."""
    rng = random.Random(f"mules:{seed}")
    mule_rings(w, pool, scale, late, rng)
    family_money(w, pool, scale, rng)
    wholesale_buyers(w, pool, scale, rng)
