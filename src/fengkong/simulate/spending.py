"""Honest spending that looks like credit-card cash-out (issue 13, part 7): a cardholder buys
something big - a television, a sofa, a holiday - close to the card's limit, once, in the day.
Drawn per run from its own random stream.
"""

from __future__ import annotations

import random
from datetime import timedelta

from fengkong.simulate.customer import Customer
from fengkong.simulate.mules import World, take


def big_purchases(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    buyers = [c for c in take(pool, 150 * scale) if c.card_kind == "credit" and c.credit_limit]
    for c in buyers:
        when = w.start + timedelta(days=rng.randrange(w.days), hours=rng.uniform(10, 21))
        share = rng.uniform(0.5, 0.95)
        # a shop's price (7,999 or 6,888), now and then a round sum
        amount = round(c.credit_limit * share, -2) - rng.choice([1, 1, 2, 12, 0])
        w.txn(c, when, amount, channel="pos", lookalike="large_purchase_near_limit", rng=rng)


def plan(w: World, pool: list[Customer], scale: int, seed: int) -> None:
    rng = random.Random(f"spending:{seed}")
    big_purchases(w, pool, scale, rng)
