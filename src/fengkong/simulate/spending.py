"""Honest spending that looks like credit-card cash-out (issue 13, part 7): a cardholder buys
something big - a television, a sofa, a holiday - close to the card's limit, once, in the day.
Drawn per run from its own random stream.
"""

from __future__ import annotations

import random
from datetime import timedelta

from fengkong.simulate.customer import Customer
from fengkong.simulate.mules import World, take

BIG_TICKET_MCCS = ("5311", "5732")


def big_purchases(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    buyers = [c for c in take(pool, 150 * scale) if c.card_kind == "credit" and c.credit_limit]
    for c in buyers:
        when = w.start + timedelta(days=rng.randrange(w.days), hours=rng.uniform(10, 21))
        share = rng.uniform(0.5, 0.95)
        # a shop's price (7,999 or 6,888), now and then a round sum
        amount = round(c.credit_limit * share, -2) - rng.choice([1, 1, 2, 12, 0])
        # where big things are sold: a department store or an electronics shop of the city
        shops = [m for m in w.merchants[c.city.name] if m[1] in BIG_TICKET_MCCS] or w.merchants[c.city.name]
        w.txn(c, when, amount, channel="pos", lookalike="large_purchase_near_limit", rng=rng, at=rng.choice(shops))


def hotel_stays(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    """Honest guests (003's hotel cash-out look-alike): a pre-authorisation at check-in, its
    completion at check-out a few nights later at up to 110% (the minibar); now and then two
    rooms on one card. At a hotel of the guest's own city: the simulated customer's everyday
    payments go on at home meanwhile, so a hotel far away would put them in two places at once."""
    hotels: dict[str, tuple[str, str, str]] = {}
    for c in [c for c in take(pool, 60 * scale) if c.card_kind == "credit"]:
        hotel = hotels.get(c.city.name)
        if hotel is None:
            k = len(hotels)
            hotel = hotels[c.city.name] = (f"mstay{k:03d}", "7011", f"tstay{k:03d}")
            w.add_merchant(c.city, hotel)
        nights, rate = rng.randint(1, 4), rng.uniform(300, 1500)
        arrive = w.start + timedelta(days=rng.randrange(w.days - 5), hours=rng.uniform(14, 21))
        leave = arrive.replace(hour=rng.randint(9, 12)) + timedelta(days=nights)
        for room in range(2 if rng.random() < 0.15 else 1):
            held = round(nights * rate * 1.2, 2)  # the deposit: a little over the room price
            pre = w.txn(
                c,
                arrive + timedelta(minutes=2 * room),
                held,
                channel="pos",
                txn_type="preauth",
                at=hotel,
                preauth_id=f"stay-{c.cid}-{room}",
                lookalike="hotel_stay",
                rng=rng,
            )
            w.txn(
                c,
                leave + timedelta(minutes=2 * room),
                round(nights * rate * rng.uniform(0.95, 1.1), 2),  # the room and what was added to it
                channel="pos",
                txn_type="preauth_completion",
                at=hotel,
                preauth_id=f"stay-{c.cid}-{room}",
                original_event_id=pre,
                lookalike="hotel_stay",
                rng=rng,
            )


def plan(w: World, pool: list[Customer], scale: int, seed: int) -> None:
    rng = random.Random(f"spending:{seed}")
    big_purchases(w, pool, scale, rng)
    hotel_stays(w, pool, scale, rng)
