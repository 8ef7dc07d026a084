"""The acquiring domain: links and clusters as connected components, limits exact to the fen
and only ever lowered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fengkong.domain.acquiring.limits import Limits, cashout_lowered, merchant_limits, terminal_limits
from fengkong.domain.acquiring.links import LinkIndex

POLICY: dict[str, Any] = {
    "merchant_single_small": 20000,
    "merchant_daily_small": 100000,
    "personal_settlement_single": 5000,
    "personal_settlement_daily": 20000,
    "merchant_limit_share_medium_risk": 0.8,
    "merchant_limit_share_high_risk": 0.5,
    "mobile_pos_limit_share": 0.5,
    "cashout_limit_share_level2": 0.5,
    "cashout_limit_share_level3": 0.2,
}

merchants = st.sampled_from([f"m{i}" for i in range(8)])
keys = st.sampled_from([("legal_rep", f"h{i}") for i in range(4)] + [("licence", f"L{i}") for i in range(3)])


@given(st.lists(st.tuples(merchants, st.lists(keys, max_size=3)), max_size=12))
def test_clusters_are_the_connected_components_of_shared_keys(registrations: list[tuple[str, list[Any]]]) -> None:
    index = LinkIndex()
    latest: dict[str, set[tuple[str, str]]] = {}
    for merchant, pairs in registrations:  # a merchant registered again keeps only its new keys
        grouped: dict[str, list[str]] = {}
        for attribute, value in pairs:
            grouped.setdefault(attribute, []).append(value)
        index.merchant(merchant, grouped)
        latest[merchant] = set(pairs)

    # the components by brute force: merchants joined while any two share a key
    components: list[set[str]] = []
    for merchant, own in latest.items():
        joined = [c for c in components if any(own & latest[m] for m in c)]
        merged = {merchant}.union(*joined)
        components = [c for c in components if c not in joined] + [merged]
    expected = sorted((sorted(c) for c in components if len(c) > 1), key=lambda c: (-len(c), c))
    assert [list(c.merchants) for c in index.clusters()] == expected
    for merchant, own in latest.items():
        linked = index.linked(merchant)
        assert set(linked) == {m for m in latest if m != merchant and own & latest[m]}


def test_a_terminal_links_the_merchants_it_serves_until_it_serves_one() -> None:
    index = LinkIndex()
    index.terminal("t1", ["a", "b"])
    assert index.linked("a") == {"b": ["terminal"]}
    index.terminal("t1", ["a"])
    assert index.linked("a") == {} and index.clusters() == []


@given(
    level=st.integers(min_value=0, max_value=5),
    single=st.decimals(min_value=1, max_value=10**7, places=2),
    daily=st.decimals(min_value=1, max_value=10**8, places=2),
)
def test_cashout_lowering_only_lowers_and_stays_in_fen(level: int, single: Decimal, daily: Decimal) -> None:
    own = Limits(single, daily, "given")
    lowered = cashout_lowered(own, level, POLICY.__getitem__)
    if level < 2:
        assert lowered is None
        return
    assert lowered is not None
    assert lowered.single <= single and lowered.daily <= daily
    assert lowered.single == lowered.single.quantize(Decimal("0.01"))
    deeper = cashout_lowered(own, level + 1, POLICY.__getitem__)
    assert deeper is not None and deeper.single <= lowered.single


def test_limits_by_scale_risk_and_settlement_account() -> None:
    policy = POLICY.__getitem__
    assert merchant_limits("small", "low", False, policy) == Limits(Decimal(20000), Decimal(100000), "scale small")
    high = merchant_limits("small", "high", False, policy)
    assert (high.single, high.daily) == (Decimal("10000.00"), Decimal("50000.00"))
    personal = merchant_limits("small", "low", True, policy)
    assert (personal.single, personal.daily) == (Decimal(5000), Decimal(20000)) and "personal" in personal.basis
    mobile = terminal_limits("mobile", personal, policy)
    assert mobile is not None and (mobile.single, mobile.daily) == (Decimal("2500.00"), Decimal("10000.00"))
    assert terminal_limits("fixed", personal, policy) is None
