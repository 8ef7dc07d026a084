"""Ordinary customers — including night-shift workers and travellers — are rarely bothered."""

from __future__ import annotations

from collections import Counter

import pytest

import fengkong
from fengkong import Decision, Outcome
from fengkong.simulate.world import simulate


@pytest.mark.slow
def test_friction_on_an_ordinary_population_is_under_one_percent() -> None:
    sim = simulate(customers=1500, days=30, seed=17, attacks=False)
    assert not sim.labels
    with fengkong.in_memory() as platform:
        results = platform.engine.decide_many(sim.events)
    txns: Counter[str] = Counter()
    bothered: Counter[str] = Counter()
    for event, result in zip(sim.events, results, strict=True):
        assert isinstance(result, Decision)
        if event["type"] != "transaction":
            continue
        group = sim.profiles.get(event["customer_id"], "regular")
        txns[group] += 1
        bothered[group] += result.decision is not Outcome.APPROVE
    assert txns["night_shift"] > 500 and txns["traveller"] > 1000  # the groups are really there
    for group in ("regular", "night_shift", "traveller"):
        share = bothered[group] / txns[group]
        assert share < 0.01, f"{group}: {bothered[group]} of {txns[group]} transactions not approved"
    assert sum(bothered.values()) / sum(txns.values()) < 0.01
