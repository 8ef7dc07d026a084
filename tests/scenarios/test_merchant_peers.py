"""Merchant behaviour against its peers (issue 14, point 5; 003 §3.2.5): a new merchant alone in
its type is compared with the merchants around it; a jump against its own history; settlement
money that leaves as soon as it arrives - end to end, events through the engine and the batch
scan over the export."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from fengkong import Platform, Settings
from fengkong.bootstrap import build_monitoring
from tests.scenarios.acquiring_helpers import chip_purchase

CST = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, 9, tzinfo=CST)
RING_ACCOUNT, HONEST_ACCOUNT = "6222021234567890123", "6222029876543210987"
_n = iter(range(10**6))


def purchase(merchant: str, mcc: str, when: datetime, amount: str, card: str) -> dict[str, Any]:
    return chip_purchase(merchant, f"t-{merchant}", amount, when, card, mcc)


def settlement(account: str, txn_type: str, when: datetime, amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"s{next(_n)}",
        "type": "transaction",
        "occurred_at": when.isoformat(),
        "customer_id": f"merchant-{account[-4:]}",
        "txn_type": txn_type,
        "channel": "online_banking",
        "amount": amount,
        "account_id": account,
        **extra,
    }


def test_merchants_are_set_beside_their_peers_and_their_own_history(settings: Settings, platform: Platform) -> None:
    rng = random.Random(14)
    events = []
    grocers = [f"m-g{i}" for i in range(6)]
    for day in range(14):
        for merchant in grocers:
            busy = 5 if merchant == "m-g0" and day >= 7 else 1  # m-g0 takes five times its usual
            for k in range(8 * busy):
                when = START + timedelta(days=day, minutes=40 * k + rng.randint(0, 30))
                events.append(
                    purchase(merchant, "5411", when, f"{rng.uniform(20, 150):.2f}", f"k{rng.randint(1, 400)}")
                )
        if day >= 10:  # a new merchant, alone in its type, taking large round sums at night
            for k in range(3):
                when = START + timedelta(days=day, hours=15 + k)  # 00:00-03:00 the next day
                events.append(purchase("m-new", "5944", when, "5000.00", f"x{day}{k}"))
        if day >= 8:  # settlements: the ring's money leaves within hours, the honest shop's stays
            events.append(settlement(RING_ACCOUNT, "deposit", START + timedelta(days=day, hours=-6), "3000.00"))
            events.append(
                settlement(
                    RING_ACCOUNT, "transfer", START + timedelta(days=day, hours=-4), "2900.00",
                    counterparty_account_id=f"62220200000000{day:05d}",
                )
            )  # fmt: skip
        if 8 <= day <= 10:  # the honest shop pays its supplier days later, not at once
            events.append(settlement(HONEST_ACCOUNT, "deposit", START + timedelta(days=day, hours=-6), "3000.00"))
    events.append(
        settlement(
            HONEST_ACCOUNT, "transfer", START + timedelta(days=13, hours=6), "8500.00",
            counterparty_account_id="6222020000000099999",
        )
    )  # fmt: skip
    events.sort(key=lambda e: e["occurred_at"])
    platform.merchants.register_merchant(
        {"merchant_id": "m-g1", "name": "Ring", "mcc": "5411", "settlement_account": RING_ACCOUNT}, actor="ops"
    )
    platform.merchants.register_merchant(
        {"merchant_id": "m-g2", "name": "Honest", "mcc": "5411", "settlement_account": HONEST_ACCOUNT}, actor="ops"
    )
    for i in range(0, len(events), 200):
        platform.engine.decide_many(events[i : i + 200])
    monitoring = build_monitoring(platform, settings)
    monitoring.refresh()

    found = {f.merchant_id: f for f in monitoring.peers(window_days=7)}

    new = found["m-new"]
    assert new.new and new.peer_group == "city" and new.peers == 6  # alone in 5944: the city's merchants
    assert {d.metric for d in new.deviations} >= {"ticket", "night_share", "round_share"}
    ticket = next(d for d in new.deviations if d.metric == "ticket")
    assert ticket.peers is not None and ticket.value >= 3 * ticket.peers
    jumped = {d.metric for d in found["m-g0"].deviations}
    assert {"daily_amount_jump", "daily_count_jump"} <= jumped and found["m-g0"].peer_group == "mcc+city"
    assert [d.metric for d in found["m-g1"].deviations] == ["settlement_pass_through"]
    assert "m-g2" not in found  # its settlements stayed
    assert not {"m-g3", "m-g4", "m-g5"} & set(found)  # ordinary grocers
