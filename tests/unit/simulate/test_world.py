from __future__ import annotations

from collections import Counter
from datetime import datetime

from fengkong.adapters.rulefiles import BUILTIN_POLICY
from fengkong.domain.decisions import EventError
from fengkong.domain.rules.loader import load_policy
from fengkong.domain.validation import EventValidator
from fengkong.simulate.world import simulate, stream
from tests.fakes import FakeProtector, FakeSealer

SCENARIOS = {
    "recycled_phone_takeover",
    "skimming_counterfeit",
    "impossible_travel",
    "dormant_drained",
    "card_testing",
    "credential_stuffing",
    "mule_collection",
    "mule_pass_through",
    "slow_credential_stuffing",
    "account_brute_force",
    "device_farm",
    "stretched_card_testing",
    "takeover_after_reset",
    "credit_card_cashout",
}


def test_deterministic_for_a_seed_and_different_across_seeds() -> None:
    a = simulate(customers=100, days=10, seed=1)
    b = simulate(customers=100, days=10, seed=1)
    c = simulate(customers=100, days=10, seed=2)
    assert a.events == b.events and a.labels == b.labels
    assert a.events != c.events


def test_every_event_conforms_to_the_contract_and_time_is_ordered() -> None:
    sim = simulate(customers=300, days=12, seed=3)
    rates = load_policy("default.yaml", BUILTIN_POLICY.read_text(encoding="utf-8")).fx_rates
    validator = EventValidator(FakeProtector(), FakeSealer(), rates=lambda: rates)
    for event in sim.events:
        assert not isinstance(validator.validate(event), EventError), event
    times = [datetime.fromisoformat(e["occurred_at"]) for e in sim.events]
    assert times == sorted(times)
    assert len({e["event_id"] for e in sim.events}) == len(sim.events)
    assert set(sim.labels.values()) == SCENARIOS
    assert set(sim.labels) <= {e["event_id"] for e in sim.events}
    types = Counter(e["type"] for e in sim.events)
    assert types["transaction"] > types["login"] > 0 and types["profile_change"] > 0


def test_population_has_habits() -> None:
    sim = simulate(customers=600, days=5, seed=4, attacks=False)
    groups = Counter(sim.profiles.values())
    assert groups["night_shift"] > 10 and groups["traveller"] > 30
    channels = Counter(e.get("channel") for e in sim.events if e["type"] == "transaction")
    assert {"pos", "atm", "quick_pay", "mobile_banking", "qr_code"} <= set(channels)


def test_attacks_scale_with_the_population() -> None:
    def attacked(customers: int) -> Counter[str]:
        world, _ = stream(customers=customers, days=30, seed=5)
        victims: dict[str, set[str]] = {}
        for items in world.by_day.values():
            for _, _, event in items:
                scenario = world.labels.get(event["event_id"])
                if scenario and event["type"] == "transaction":
                    victims.setdefault(scenario, set()).add(event["customer_id"])
        return Counter({name: len(ids) for name, ids in victims.items()})

    small, large = attacked(3000), attacked(9000)
    assert set(small) == SCENARIOS
    # one victim per attack, or one mule per ring; how many victims a ring, a wave or a farm
    # takes is drawn per run
    drawn = {"mule_collection": (3, 10), "slow_credential_stuffing": (2, 5), "device_farm": (4, 9)}
    drawn_per_ring = {"stretched_card_testing": (3, 8)}
    exact = SCENARIOS - set(drawn) - set(drawn_per_ring)
    assert all(large[name] == 3 * small[name] for name in exact), (small, large)
    rings = large["mule_pass_through"]
    lo, hi = drawn["mule_collection"]
    assert lo * rings <= large["mule_collection"] <= hi * rings
    for name in ("slow_credential_stuffing", "device_farm", "stretched_card_testing"):
        lo, hi = {**drawn, **drawn_per_ring}[name]
        assert lo * 3 <= large[name] <= hi * 3, (name, large[name])
