"""A deterministic month of payment traffic: customers with habits, merchants and terminals,
and labelled attacks taken from the source documents.

Legitimate behaviour includes what trips naive rules: night-shift workers, travellers who fly
between cities, occasional big purchases, new phones. Attacks (labels by event id):

- recycled_phone_takeover (002): SMS-verified password reset from a new device at night, then
  quick-payment transfers 160, 200, six times 5,000 and more.
- skimming_counterfeit (000): a doctored terminal records cards; days later counterfeit stripe
  copies are used far away.
- impossible_travel (001 §3.3): a card used at home, an hour later three purchases in Macau.
- dormant_drained: an account quiet for months sends its balance to new payees at night.
- card_testing: tiny online payments from an unknown device, then a large one.
- credential_stuffing: one IP tries many usernames; the accounts it opens are emptied.
- mule rings and their look-alikes (simulate/mules.py), every parameter drawn per run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from fengkong.simulate import acquiring, mules, spending, takeover
from fengkong.simulate.customer import Customer
from fengkong.simulate.geography import DOMESTIC, MACAU, City

CST = timezone(timedelta(hours=8))
START = datetime(2026, 10, 1, tzinfo=CST)
MCCS = ("5411", "5812", "5541", "5311", "5999", "4111", "5912", "5732")


@dataclass
class Simulation:
    events: list[dict[str, Any]]
    labels: dict[str, str]  # event_id -> scenario, for attack events
    customers: int
    days: int
    profiles: dict[str, str] = field(default_factory=dict)  # customer_id -> "night_shift" | "traveller"
    entity_labels: dict[str, str] = field(default_factory=dict)  # "merchant:m1" / "card:k1" -> scenario
    registry: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # merchants, terminals
    lookalikes: dict[str, str] = field(default_factory=dict)  # event_id -> legitimate look-alike family
    context: frozenset[str] = frozenset()  # events of an attack that are not money we decide on
    funded_by: dict[str, str] = field(default_factory=dict)  # onward payment -> the payment it moves on


class World:
    def __init__(self, customers: int, days: int, seed: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.start = START
        self.days = days
        self.lookalikes: dict[str, str] = {}
        self.context: set[str] = set()
        self.skimmers: dict[str, tuple[datetime, datetime]] = {}  # terminal -> when it recorded cards
        self.exposed: dict[str, datetime] = {}  # customer -> when their card passed a skimmer
        self.reissued: dict[str, tuple[datetime, str]] = {}  # customer -> (from when, new card)
        self.funded_by: dict[str, str] = {}  # an onward payment -> the payment whose money it moves
        self.by_day: dict[int, list[tuple[datetime, int, dict[str, Any]]]] = {}
        self.emitted_through = -(10**6)  # days below this were already written
        self.labels: dict[str, str] = {}
        self.password_only: dict[tuple[str, Any], float] = {}  # (customer, day) -> paid with a password alone
        self.counter = 0
        self.entity_labels: dict[str, str] = {}
        self.merchants = self._merchants()
        self.customers = [self._customer(i) for i in range(customers)]

    # ---------------------------------------------------------------- building blocks
    def _merchants(self) -> dict[str, list[tuple[str, str, str]]]:
        out: dict[str, list[tuple[str, str, str]]] = {}
        self.terminal_places: dict[str, dict[str, Any]] = {}
        for ci, city in enumerate(DOMESTIC):
            out[city.name] = [(f"m{ci:02d}{j:03d}", self.rng.choice(MCCS), f"t{ci:02d}{j:03d}") for j in range(40)]
        out[MACAU.name] = [(f"mmo{j:03d}", "5944", f"tmo{j:03d}") for j in range(10)]
        for city_name, merchants in out.items():
            city = MACAU if city_name == MACAU.name else next(c for c in DOMESTIC if c.name == city_name)
            for _, _, terminal in merchants:
                for tid in (terminal, f"atm-{terminal}"):
                    self.terminal_places[tid] = {
                        "lat": round(city.lat + self.rng.uniform(-0.08, 0.08), 4),
                        "lon": round(city.lon + self.rng.uniform(-0.08, 0.08), 4),
                        "city": city.name,
                        "country": city.country,
                    }
        return out

    def _customer(self, i: int) -> Customer:
        rng = self.rng
        city = rng.choice(DOMESTIC)
        card_kind = "credit" if rng.random() < 0.35 else "debit"
        # 40% of senders pass the raw card number (synthetic, Luhn-valid): the door must
        # tokenise it; the others already send a token.
        card = synthetic_pan(i, card_kind) if rng.random() < 0.4 else f"card-{i:07d}"
        c = Customer(
            cid=f"c{i:07d}",
            city=city,
            level=round(rng.lognormvariate(4.6, 0.7), 2),
            rate=rng.uniform(0.4, 2.2),
            night_worker=rng.random() < 0.06,
            traveller=rng.random() < 0.12,
            device=f"dev-{i:07d}",
            ip=f"36.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
            phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            account=f"acc-{i:07d}",
            card=card,
            card_kind=card_kind,
            chip=rng.random() < 0.95,
        )
        c.payees = [f"payee-{i:07d}-{k}" for k in range(rng.randint(1, 3))]
        if card_kind == "credit":
            c.credit_limit = rng.choice([10000, 20000, 30000, 50000, 80000])
        return c

    def emit(
        self,
        when: datetime,
        event: dict[str, Any],
        scenario: str | None = None,
        lookalike: str | None = None,
        context: bool = False,
    ) -> str:
        self.counter += 1
        event_id = f"ev-{self.counter:09d}"
        event = {"event_id": event_id, "occurred_at": when.isoformat(), **event}
        day = (when - START).days
        if day >= self.days:  # planned past the end of the simulated month: never happens
            return event_id
        if day < self.emitted_through:
            raise RuntimeError(f"event {event_id} at {when} falls on a day already written")
        self.by_day.setdefault(day, []).append((when, self.counter, event))
        if scenario is not None:
            self.labels[event_id] = scenario
        if lookalike is not None:
            self.lookalikes[event_id] = lookalike
        if context:
            self.context.add(event_id)
        return event_id

    def txn(
        self,
        c: Customer,
        when: datetime,
        amount: float,
        *,
        channel: str,
        txn_type: str = "purchase",
        city: City | None = None,
        scenario: str | None = None,
        lookalike: str | None = None,
        rng: random.Random | None = None,
        context: bool = False,
        **extra: Any,
    ) -> str:
        """A transaction of `c`. `rng`: where its incidental draws come from (the merchant, what
        the sender wrongly adds); scenarios planned from their own random stream pass theirs, so
        the rest of the world is drawn as before."""
        rng = rng or self.rng
        city = city or c.city
        event: dict[str, Any] = {
            "type": "transaction",
            "institution_id": "bank-001",
            "customer_id": c.cid,
            "txn_type": txn_type,
            "channel": channel,
            "amount": f"{max(amount, 0.01):.2f}",
            "account_id": c.account,
            "account_kind": "bank",
            "account_class": "I",
            "card_id": self.card_at(c, when),
            "card_kind": c.card_kind,
            "card_has_chip": c.chip,
        }
        if c.card_kind == "credit" and c.credit_limit:
            event["credit_limit"] = str(c.credit_limit)  # an extra field the issuer sends
        if channel in ("pos", "atm"):
            merchant, mcc, terminal = extra.pop("at", None) or rng.choice(self.merchants[city.name])
            tid = terminal if channel == "pos" else f"atm-{terminal}"
            window = self.skimmers.get(tid)
            if window is not None and window[0] <= when < window[1] and scenario is None:
                self.exposed.setdefault(c.cid, when)
            event.update(entry_mode="chip" if c.chip else "magstripe", location=self._at(tid, rng))
            if channel == "pos":
                event.update(merchant_id=merchant, mcc=mcc, terminal_id=terminal)
            else:
                event.update(terminal_id=tid)
            if not c.chip and c.card[:1].isdigit() and rng.random() < 0.3:
                event["track2"] = f"{c.card}=2812101000000000"  # must never be stored
        else:
            event.update(
                device_id=c.device,
                ip=c.ip,
                phone=c.phone,
                auth_factors=self._factors(c, when, amount),
            )
            if channel == "quick_pay":
                event["entry_mode"] = "token"
                if c.card[:1].isdigit() and rng.random() < 0.2:
                    event.update(cvn2="123", expiry="2812")  # senders get this wrong: removed at the door
        event.update(extra)
        exposed = self.exposed.get(c.cid)
        if (
            exposed is not None
            and when > exposed
            and scenario is None
            and lookalike is None
            and c.cid not in self.reissued
        ):
            lookalike = "exposed_card_genuine"  # the holder's own card, after it passed a skimmer
        trip = c.trip
        if trip is not None and trip[0] <= (when - START).days < trip[1] and scenario is None and lookalike is None:
            lookalike = "traveller"
        return self.emit(when, event, scenario, lookalike, context)

    def card_at(self, c: Customer, when: datetime) -> str:
        """The card a customer pays with at a time: a new one after a counterfeit report."""
        new = self.reissued.get(c.cid)
        return new[1] if new is not None and when >= new[0] else c.card

    def _factors(self, c: Customer, when: datetime, amount: float) -> list[str]:
        """What an institution that follows 43号 art. 24 asks of the customer: a password alone
        while the day's password-only payments stay within 1,000 yuan, a password and an SMS
        code beyond."""
        key = (c.cid, when.astimezone(CST).date())
        used = self.password_only.get(key, 0.0)
        if amount >= 1000 or used + amount > 1000:
            return ["password", "sms_otp"]
        self.password_only[key] = used + amount
        return ["password"]

    def _at(self, terminal_id: str, rng: random.Random | None = None) -> dict[str, Any]:
        """Where a terminal is (a few hundred metres of GPS noise)."""
        rng = rng or self.rng
        place = self.terminal_places[terminal_id]
        return {
            **place,
            "lat": round(place["lat"] + rng.uniform(-0.003, 0.003), 4),
            "lon": round(place["lon"] + rng.uniform(-0.003, 0.003), 4),
        }

    def _loc(self, city: City) -> dict[str, Any]:
        return {
            "lat": round(city.lat + self.rng.uniform(-0.08, 0.08), 4),
            "lon": round(city.lon + self.rng.uniform(-0.08, 0.08), 4),
            "city": city.name,
            "country": city.country,
        }

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
    ) -> str:
        return self.emit(
            when,
            {
                "type": "login",
                "customer_id": c.cid,
                "username": username or c.cid,
                "success": success,
                "method": method,
                "device_id": device or c.device,
                "ip": ip or c.ip,
                "phone": c.phone,
            },
            scenario,
            lookalike,
        )

    def hour_for(self, c: Customer) -> float:
        rng = self.rng
        if c.night_worker:
            return (rng.uniform(20, 30)) % 24
        return rng.triangular(8, 22.5, 13)

    # ---------------------------------------------------------------- legitimate month
    def plan_trips(self) -> None:
        rng = self.rng
        for c in self.customers:
            if c.traveller:
                start = rng.randrange(self.days)
                c.trip = (start, start + rng.randint(2, 6), rng.choice([x for x in DOMESTIC if x != c.city]))

    def legit_day(self, day: int) -> None:
        """One day of ordinary life for every customer."""
        rng = self.rng
        base = START + timedelta(days=day)
        for c in self.customers:
            trip = c.trip
            city = trip[2] if trip and trip[0] <= day < trip[1] else c.city
            for _ in range(_poisson(rng, c.rate)):
                # at least a minute into the day: the login before a transfer stays on this day
                when = base + timedelta(hours=self.hour_for(c), seconds=60 + rng.randrange(60))
                if trip and day == trip[0] and when.hour < 12:
                    when = when.replace(hour=rng.randint(15, 21))  # arrives after the flight
                roll = rng.random()
                amount = rng.lognormvariate(0, 0.6) * c.level
                if rng.random() < 0.01:
                    amount *= rng.uniform(4, 9)  # a big purchase now and then
                if roll < 0.55:
                    self.txn(c, when, amount, channel="pos", city=city)
                elif roll < 0.75:
                    self.txn(c, when, amount, channel="quick_pay", txn_type="purchase")
                elif roll < 0.82:
                    self.txn(c, when, amount, channel="qr_code")
                elif roll < 0.92:
                    self.login(c, when - timedelta(seconds=40))
                    self.txn(
                        c,
                        when,
                        amount * 3,
                        channel="mobile_banking",
                        txn_type="transfer",
                        counterparty_account_id=rng.choice(c.payees),
                    )
                else:
                    self.txn(c, when, round(amount * 2, -2) or 100, channel="atm", txn_type="withdrawal", city=city)
            if rng.random() < 0.001:  # a new phone (every ~3 years)
                c.device = c.device + "-n"
                self.login(c, base + timedelta(hours=rng.uniform(9, 21)))

    # ---------------------------------------------------------------- attacks
    def attacks(self) -> None:
        rng = self.rng
        pool = list(self.customers)
        rng.shuffle(pool)
        late = max(self.days // 3, 1)
        scale = max(1, len(self.customers) // 3000)  # attacks grow with the population
        # Each attack's shape is drawn per run (how many, how much, how fast, what hour) from its
        # own stream, so no rule can be tuned to one seed's numbers; the world's own stream draws
        # each event.
        shape = random.Random(f"attacks:{self.seed}")

        def day_at(hour: float) -> datetime:
            return START + timedelta(days=rng.randrange(late, self.days), hours=hour)

        # recycled phone number (002): the new holder of the number logs in by SMS, resets the
        # payment password, tries small sums and then empties the account
        probes = [round(shape.uniform(10, 500), 2) for _ in range(shape.randint(0, 3))]
        big_n, big_lo = shape.randint(3, 10), shape.uniform(2000, 8000)
        big_hi, gap_min, hour = big_lo * shape.uniform(1.2, 3), shape.uniform(0.5, 5), shape.uniform(0, 24)
        for k in range(6 * scale):
            c = pool.pop()
            t = day_at((hour + rng.random() / 3) % 24)
            device, ip = f"atk-dev-002-{k}", f"113.{k}.{rng.randrange(256)}.{rng.randrange(256)}"
            self.login(c, t, device=device, ip=ip, method="sms_otp", scenario="recycled_phone_takeover")
            self.emit(
                t + timedelta(minutes=2),
                {
                    "type": "profile_change",
                    "customer_id": c.cid,
                    "field": "payment_password",
                    "via": "sms_otp",
                    "device_id": device,
                    "ip": ip,
                    "phone": c.phone,
                },
                "recycled_phone_takeover",
            )
            mule = f"mule-002-{k}"
            amounts = probes + [round(rng.uniform(big_lo, big_hi), -2) for _ in range(big_n)]
            for i, amount in enumerate(amounts):
                self.txn(
                    c,
                    t + timedelta(minutes=4 + i * gap_min),
                    amount,
                    channel="quick_pay",
                    txn_type="transfer",
                    counterparty_account_id=mule,
                    device_id=device,
                    ip=ip,
                    auth_factors=["sms_otp"],
                    scenario="recycled_phone_takeover",
                )

        # skimming (000): a doctored POS terminal records every card for a few days; clones are
        # used far away, and cardholders report them days later
        per_terminal, recorded_days = shape.randint(6, 15), shape.randint(1, 6)
        fraud_lo = shape.uniform(800, 2500)
        fraud_hi, fraud_gap = fraud_lo * shape.uniform(1.5, 4), shape.uniform(10, 60)
        atm_amount, atm_after = shape.choice([1000, 2000, 3000, 5000]), shape.uniform(30, 240)
        report_days = shape.uniform(1, 5)
        for k in range(12 * scale):
            if k % per_terminal == 0:
                skim_city = rng.choice(DOMESTIC)
                merchant, mcc, terminal = self.merchants[skim_city.name][k // per_terminal % 40]
                far = [x for x in DOMESTIC if abs(x.lat - skim_city.lat) + abs(x.lon - skim_city.lon) > 10]
            c = pool.pop()
            began = START + timedelta(days=late - recorded_days)
            t = began + timedelta(days=k % recorded_days, hours=rng.uniform(10, 20))
            self.skimmers[terminal] = (began, START + timedelta(days=late))
            self.exposed[c.cid] = t
            self.emit(
                t,
                {
                    "type": "transaction",
                    "customer_id": c.cid,
                    "txn_type": "purchase",
                    "channel": "pos",
                    "amount": f"{rng.uniform(50, 400):.2f}",
                    "account_id": c.account,
                    "card_id": c.card,
                    "card_kind": c.card_kind,
                    "card_has_chip": c.chip,
                    "entry_mode": "chip" if c.chip else "magstripe",
                    "merchant_id": merchant,
                    "mcc": mcc,
                    "terminal_id": terminal,
                    "location": self._at(terminal),
                },
            )
            t2 = day_at(rng.uniform(11, 22))
            city = rng.choice(far)
            first_fraud = None
            for i in range(rng.randint(2, 4)):
                eid = self.txn(
                    c,
                    t2 + timedelta(minutes=fraud_gap * i),
                    rng.uniform(fraud_lo, fraud_hi),
                    channel="pos",
                    city=city,
                    entry_mode="magstripe",
                    scenario="skimming_counterfeit",
                )
                first_fraud = first_fraud or eid
            reported = t2 + timedelta(days=report_days)
            if reported < START + timedelta(days=self.days):  # the cardholder reports it
                self.reissued[c.cid] = (reported, f"card-r{c.cid[1:]}")  # and gets a new card
                self.emit(
                    reported,
                    {
                        "type": "feedback",
                        "target_event_id": first_fraud,
                        "label": "counterfeit",
                        "source": "customer_report",
                        "customer_id": c.cid,
                    },
                )
            self.txn(
                c,
                t2 + timedelta(minutes=atm_after),
                atm_amount,
                channel="atm",
                txn_type="withdrawal",
                city=city,
                entry_mode="magstripe",
                scenario="skimming_counterfeit",
            )

        far_from_macau: list[Customer] = []  # one pass, not a list.remove per victim (1M customers)
        for c in reversed(pool):
            if abs(c.city.lat - MACAU.lat) + abs(c.city.lon - MACAU.lon) > 12:
                far_from_macau.append(c)
                if len(far_from_macau) == 6 * scale:
                    break
        chosen = {id(c) for c in far_from_macau}
        pool = [c for c in pool if id(c) not in chosen]
        far_from_macau.reverse()
        self.cash_out(pool, scale, late)

        # the Macau card (001 §3.3): a counterfeit of a stripe-only card, used abroad soon after
        # the holder paid at home
        macau_n, macau_after, macau_gap = shape.randint(2, 5), shape.uniform(30, 180), shape.uniform(5, 40)
        macau_lo = shape.uniform(1000, 3000)
        macau_hi = macau_lo * shape.uniform(1.3, 3)
        for _ in range(6 * scale):
            c = far_from_macau.pop()
            c.chip = False
            t = day_at(rng.uniform(10, 16))
            self.txn(c, t, rng.uniform(30, 200), channel="pos")
            for i in range(macau_n):
                self.txn(
                    c,
                    t + timedelta(minutes=macau_after + macau_gap * i),
                    rng.uniform(macau_lo, macau_hi),
                    channel="pos",
                    city=MACAU,
                    currency="MOP",
                    scenario="impossible_travel",
                )

        # a dormant account woken by someone else and drained to new payees
        quiet_lo = shape.randint(120, 300)
        quiet_hi = quiet_lo + shape.randint(30, 300)
        drain_n, drain_gap, drain_hour = shape.randint(2, 5), shape.uniform(1, 10), shape.uniform(0, 24)
        drain_lo = shape.uniform(4000, 15000)
        drain_hi = drain_lo * shape.uniform(1.5, 4)
        for k in range(6 * scale):
            c = pool.pop()
            quiet = START - timedelta(days=rng.randint(quiet_lo, quiet_hi))
            self.txn(c, quiet + timedelta(hours=12), c.level, channel="pos")
            c.rate = 0.0
            t = day_at((drain_hour + rng.uniform(0, 3)) % 24)
            for i in range(drain_n):
                self.txn(
                    c,
                    t + timedelta(minutes=drain_gap * i),
                    rng.uniform(drain_lo, drain_hi),
                    channel="mobile_banking",
                    txn_type="transfer",
                    counterparty_account_id=f"mule-dormant-{k}-{i}",
                    device_id=f"atk-dev-dormant-{k}",
                    scenario="dormant_drained",
                )

        # card testing: tiny payments to see whether a stolen card works, then a real one
        tests_n, test_amount, test_every = (
            shape.randint(2, 8),
            shape.choice([0.01, 0.1, 1.0, 1.5, 5.0]),
            shape.uniform(10, 120),
        )
        spend_after, devices = shape.uniform(2, 30), shape.randint(1, 4)
        spend_lo = shape.uniform(800, 3000)
        spend_hi = spend_lo * shape.uniform(1.5, 3)
        tester_ip = f"45.{shape.randrange(1, 224)}.{shape.randrange(256)}.{shape.randrange(1, 255)}"
        for k in range(8 * scale):
            c = pool.pop()
            t = day_at(rng.uniform(0, 24))
            device = f"atk-dev-ct-{k % devices}"
            for i in range(tests_n):
                self.txn(
                    c,
                    t + timedelta(seconds=test_every * i),
                    test_amount,
                    channel="quick_pay",
                    entry_mode="ecommerce",
                    device_id=device,
                    ip=tester_ip,
                    scenario="card_testing",
                )
            self.txn(
                c,
                t + timedelta(seconds=test_every * tests_n, minutes=spend_after),
                rng.uniform(spend_lo, spend_hi),
                channel="quick_pay",
                entry_mode="ecommerce",
                device_id=device,
                ip=tester_ip,
                scenario="card_testing",
            )

        # credential stuffing from one IP: many usernames, a few of them right, then payments
        tries, every_s, hits = shape.randint(60, 250), shape.uniform(1, 10), shape.randint(3, 8)
        pay_after, pay_lo = shape.uniform(5, 60), shape.uniform(1500, 5000)
        pay_hi = pay_lo * shape.uniform(1.5, 3)
        for wave in range(scale):
            t = day_at(shape.uniform(0, 24))
            ip = f"185.220.{wave % 256}.9"
            victims = [pool.pop() for _ in range(hits)]
            right = dict(zip(sorted(rng.sample(range(tries), hits)), victims, strict=True))
            for i in range(tries):
                hit = right.get(i)
                target = hit or rng.choice(self.customers)
                self.login(
                    target,
                    t + timedelta(seconds=every_s * i),
                    success=hit is not None,
                    device=f"atk-dev-cs-{wave}-{i % 7}",
                    ip=ip,
                    username=target.cid if hit is not None else f"user{rng.randrange(10**6)}",
                    scenario="credential_stuffing",
                )
            for j, c in enumerate(victims):
                self.txn(
                    c,
                    t + timedelta(seconds=every_s * tries, minutes=pay_after + j),
                    rng.uniform(pay_lo, pay_hi),
                    channel="mobile_banking",
                    txn_type="transfer",
                    counterparty_account_id=f"mule-cs-{wave}-{j}",
                    device_id=f"atk-dev-cs-{wave}-{j}",
                    ip=ip,
                    scenario="credential_stuffing",
                )

        mules.plan(self, pool, scale, late, self.seed)
        takeover.plan(self, pool, self.customers, scale, late, self.seed)
        spending.plan(self, pool, scale, self.seed)

    def add_merchant(self, city: City, merchant: tuple[str, str, str]) -> None:
        """A merchant and its terminal at a city's centre (registered with the others)."""
        self.merchants[city.name].append(merchant)
        place = {"lat": city.lat, "lon": city.lon, "city": city.name, "country": "CN"}
        self.terminal_places[merchant[2]] = place
        self.terminal_places[f"atm-{merchant[2]}"] = place

    def cash_out(self, pool: list[Customer], scale: int, late: int) -> None:
        """Credit-card cash-out (003): merchants turning credit into cash for cardholders who
        spend close to their limit in a few large round amounts, repay just before the due date
        and spend again; a hotel completing pre-authorisations at 115%. Labelled by entity only:
        batch monitoring ranks them; their near-limit purchases and completions are also labelled
        `credit_card_cashout` for the real-time rules (76-cashout-live.yaml). The shape - hours,
        share of the limit, parts, rounding, the completion's markup - is drawn per run."""
        rng = self.rng
        shape = random.Random(f"cashout:{self.seed}")
        hours = [shape.uniform(0, 24) for _ in range(5)]
        share_lo = shape.uniform(0.75, 0.92)
        share_hi = min(0.99, share_lo + shape.uniform(0.03, 0.1))
        most_parts, part_gap = shape.randint(1, 4), shape.uniform(1, 30)
        rounding, markup = shape.choice([-3, -3, -2]), shape.uniform(1.05, 1.15)
        merchants: list[tuple[str, str, str]] = []
        for k in range(3 * scale):
            city = rng.choice(DOMESTIC)
            merchant, _, terminal = self.merchants[city.name][39 - (k // len(DOMESTIC)) % 20]
            merchants.append((merchant, "5998", terminal))
        hotel_city = rng.choice(DOMESTIC)
        for k in range(scale):
            hotel = (f"mhotel{k:03d}", "7011", f"thotel{k:03d}")
            self.add_merchant(hotel_city, hotel)
            merchants.append(hotel)
        for m in merchants:
            self.entity_labels[f"merchant:{m[0]}"] = "cashout_merchant"
        holders = [c for c in reversed(pool) if c.card_kind == "credit"][: 20 * scale]
        chosen = {id(c) for c in holders}
        pool[:] = [c for c in pool if id(c) not in chosen]
        for c in holders:
            c.card = c.card if not c.card[:1].isdigit() else f"card-x{c.cid[1:]}"
            c.rate = 0.25  # little everyday spending
            self.entity_labels[f"card:{c.card}"] = "cashout_cardholder"
        for i, c in enumerate(holders):
            shop = merchants[i % len(merchants)]
            day = rng.randrange(0, max(late, 1))
            while day < self.days - 3:
                when = START + timedelta(days=day, hours=rng.choice(hours))
                target = c.credit_limit * rng.uniform(share_lo, share_hi)
                parts = rng.randint(1, most_parts)
                for p in range(parts):
                    amount = round(target / parts, rounding) or 1000
                    if shop[1] == "7011":
                        pre = self.txn(
                            c,
                            when + timedelta(minutes=p),
                            math.ceil(amount / markup * 100) / 100,  # completed at up to 115%, never over
                            channel="pos",
                            txn_type="preauth",
                            context=True,  # a hold only: the money moves at the completion
                            at=shop,
                            preauth_id=f"pa-{c.cid}-{day}-{p}",
                        )
                        self.txn(
                            c,
                            when + timedelta(hours=20, minutes=p),
                            amount,
                            channel="pos",
                            txn_type="preauth_completion",
                            scenario="credit_card_cashout",
                            at=shop,
                            preauth_id=f"pa-{c.cid}-{day}-{p}",
                            original_event_id=pre,
                        )
                    else:
                        self.txn(
                            c,
                            when + timedelta(minutes=part_gap * p),
                            amount,
                            channel="pos",
                            at=shop,
                            scenario="credit_card_cashout",
                        )
                if rng.random() < 0.3:
                    small = self.txn(c, when + timedelta(minutes=30), 200, channel="pos", at=shop)
                    self.txn(
                        c,
                        when + timedelta(minutes=35),
                        200,
                        channel="pos",
                        txn_type="void",
                        at=shop,
                        original_event_id=small,
                    )
                due = when + timedelta(days=20)
                if (due - START).days < self.days:
                    repaid = due - timedelta(days=rng.uniform(0.2, 1.5))
                    self.emit(
                        repaid,
                        {
                            "type": "repayment",
                            "customer_id": c.cid,
                            "card_id": c.card,
                            "amount": f"{target:.2f}",
                            "statement_due_date": (due.date()).isoformat(),
                        },
                    )
                    day = (repaid - START).days + rng.randint(1, 2)
                else:
                    day += 25

    def registry_records(self) -> dict[str, list[dict[str, Any]]]:
        """The acquirer's registry of the simulated merchants and terminals (for bulk import),
        its qualified terminal samples, and what a spot check of each terminal measures."""
        registry = acquiring.Registry(self.seed)
        merchant_ids = [m for rows in self.merchants.values() for m, _, _ in rows]
        ring = sorted(
            m
            for m in merchant_ids
            if self.entity_labels.get(f"merchant:{m}") == "cashout_merchant" and "hotel" not in m
        )
        first = next(iter(self.merchants.values()))
        chain = [m for m, mcc, _ in first if mcc in ("5812", "5814") and m not in ring][:3]
        mccs = {m: mcc for rows in self.merchants.values() for m, mcc, _ in rows}
        identities = acquiring.merchant_identities(merchant_ids, ring, chain, registry, mccs)
        merchants, terminals, measured = [], [], {}
        for rows in self.merchants.values():
            for merchant, mcc, terminal in rows:
                merchants.append(
                    {
                        "merchant_id": merchant,
                        "name": f"Shop {merchant}",
                        "mcc": mcc,
                        "accepts_credit": True,
                        **identities[merchant],
                    }
                )
                place = self.terminal_places[terminal]
                for tid, kind in ((terminal, "fixed"), (f"atm-{terminal}", "atm")):
                    # about 3% of terminals are past the 5-year service life
                    year = 2019 if self.rng.random() < 0.03 else self.rng.choice([2022, 2023, 2024, 2025])
                    device = registry.terminal(tid)
                    doctored = tid in self.skimmers
                    measured[tid] = acquiring.build_fingerprint(
                        device["manufacturer"], device["model"], device["firmware"], doctored
                    )
                    terminals.append(
                        {
                            "terminal_id": tid,
                            "certified": True,
                            "kind": kind,
                            "lat": place["lat"],
                            "lon": place["lon"],
                            "city": place["city"],
                            "merchants": merchant,
                            "deployed_at": f"{year}-{self.rng.randint(1, 12):02d}-01",
                            **device,
                        }
                    )
        return {
            "samples": acquiring.samples(),
            "merchants": merchants,
            "terminals": terminals + acquiring.refused_terminals(registry, merchant_ids[0]),
            "measured": [{"terminal_id": t, "fingerprint": f} for t, f in sorted(measured.items())],
        }

    def stream(self, progress: Any = None) -> Iterator[dict[str, Any]]:
        """Every event in time order, one day at a time (memory: one day of traffic)."""
        first = min(self.by_day, default=0)
        for day in range(min(first, 0), self.days):
            if 0 <= day:
                self.legit_day(day)
            items = self.by_day.pop(day, [])
            self.emitted_through = day + 1
            items.sort(key=lambda item: (item[0], item[1]))
            for _, _, event in items:
                yield event
            if progress is not None and day >= 0:
                progress(day)

    def profiles(self) -> dict[str, str]:
        out = {}
        for c in self.customers:
            if c.night_worker:
                out[c.cid] = "night_shift"
            elif c.traveller:
                out[c.cid] = "traveller"
        return out


def synthetic_pan(i: int, kind: str) -> str:
    """A Luhn-valid 19-digit UnionPay-style number for customer i (synthetic, not a real card)."""
    from fengkong.domain.sensitive import luhn_valid

    body = ("622202" if kind == "debit" else "625000") + f"{i:012d}"
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def world(customers: int = 2000, days: int = 30, seed: int = 7, attacks: bool = True) -> World:
    """A prepared world: customers, merchants, trips and (optionally) the planned attacks."""
    w = World(customers, days, seed)
    if attacks:
        w.attacks()
    w.plan_trips()
    return w


def stream(
    customers: int, days: int, seed: int, attacks: bool = True, progress: bool = False
) -> tuple[World, Iterator[dict[str, Any]]]:
    """Events in time order without holding the month in memory (for large populations)."""
    w = world(customers, days, seed, attacks)
    if not progress:
        return w, w.stream()
    from rich.progress import Progress

    def generate() -> Iterator[dict[str, Any]]:
        with Progress(transient=True) as bar:
            task = bar.add_task(f"simulating {customers:,} customers", total=days)
            yield from w.stream(lambda day: bar.update(task, completed=day + 1))

    return w, generate()


def simulate(
    customers: int = 2000, days: int = 30, seed: int = 7, progress: bool = False, attacks: bool = True
) -> Simulation:
    """The whole stream in memory. Deterministic for a given (customers, days, seed, attacks)."""
    w, events = stream(customers, days, seed, attacks, progress)
    collected = list(events)
    return Simulation(
        collected,
        w.labels,
        len(w.customers),
        days,
        w.profiles(),
        dict(w.entity_labels),
        w.registry_records(),
        dict(w.lookalikes),
        frozenset(w.context),
        dict(w.funded_by),
    )
