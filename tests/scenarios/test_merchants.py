"""Merchants, terminals, common point of compromise and credit-card cash-out (issue 7)."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from fengkong import Outcome, Platform, Settings
from fengkong.bootstrap import build_monitoring, build_platform
from fengkong.domain.identity.resident_id import check_digit
from fengkong.simulate.world import simulate

CST = timezone(timedelta(hours=8))
NOW = datetime.now(CST).replace(microsecond=0)
REP = "11010519700101003" + check_digit("11010519700101003")
BEIJING = {"lat": 39.9042, "lon": 116.4074, "city": "Beijing", "country": "CN"}
_n = iter(range(10**6))


def pos(
    terminal: str,
    amount: str,
    *,
    merchant: str = "m-1",
    card: str = "k-1",
    kind: str = "debit",
    hours: float = 0,
    where: dict[str, Any] | None = None,
    entry: str = "chip",
    chip: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "event_id": f"e{next(_n)}",
        "type": "transaction",
        "occurred_at": (NOW + timedelta(hours=hours)).isoformat(),
        "customer_id": f"c-{card}",
        "txn_type": "purchase",
        "channel": "pos",
        "amount": amount,
        "card_id": card,
        "card_kind": kind,
        "card_has_chip": chip,
        "entry_mode": entry,
        "merchant_id": merchant,
        "terminal_id": terminal,
        "location": where or BEIJING,
        **extra,
    }


def codes(result: Any) -> set[str]:
    return {f.code for f in result.findings}


def test_onboarding_checks_give_reasons(platform: Platform) -> None:
    reg = platform.merchants
    platform.lists.add(
        "illegal_merchant",
        "m-bad",
        actor="ops",
        reason="forged licence",
        source="association",
        ground="false_registration",
        evidence="association notice 12",
    )
    assert reg.register_merchant({"merchant_id": "m-bad", "name": "X", "mcc": "5411"}, actor="ops").status == "rejected"
    first = reg.register_merchant(
        {
            "merchant_id": "m-1",
            "name": "Noodles",
            "mcc": "5998",
            "declared_category": "restaurant",
            "legal_rep_id_number": REP,
            "settlement_personal": True,
        },
        actor="ops",
    )
    assert codes(first) == {"MCC_INCONSISTENT", "PERSONAL_SETTLEMENT_CREDIT"} and first.status == "review"
    second = reg.register_merchant(
        {"merchant_id": "m-2", "name": "Shop", "mcc": "5411", "legal_rep_id_number": REP, "preauth_enabled": True},
        actor="ops",
    )
    assert codes(second) == {"SAME_IDENTITY_SEVERAL_MERCHANTS", "PREAUTH_NOT_ALLOWED"} and second.status == "rejected"
    hotel = reg.register_merchant(
        {"merchant_id": "m-h", "name": "Hotel", "mcc": "7011", "preauth_enabled": True}, actor="ops"
    )
    assert hotel.status == "active"
    platform.lists.add("id_number", REP, actor="ops", reason="fraud ring", source="police")
    listed = reg.register_merchant(
        {"merchant_id": "m-3", "name": "Y", "mcc": "5411", "legal_rep_id_number": REP}, actor="ops"
    )
    assert "REPRESENTATIVE_BLACKLISTED" in codes(listed)
    assert codes(
        reg.register_terminal(
            {"terminal_id": "t-x", "serial": "SN-t-x", "signature": "sig-t-x", "certified": False}, actor="ops"
        )
    ) == {"TERMINAL_UNCERTIFIED"}
    assert codes(
        reg.register_terminal(
            {
                "terminal_id": "t-y",
                "serial": "SN-t-y",
                "signature": "sig-t-y",
                "certified": True,
                "merchants": "m-1,m-2",
            },
            actor="ops",
        )
    ) == {"ONE_TERMINAL_SEVERAL_MERCHANTS"}
    mobile = reg.register_terminal(
        {
            "terminal_id": "t-m",
            "serial": "SN-t-m",
            "signature": "sig-t-m",
            "certified": True,
            "kind": "mobile",
            "merchants": "m-2",
        },
        actor="ops",
    )
    assert codes(mobile) == {"MOBILE_POS_NOT_PERMITTED"}
    assert platform.audit.verify().ok


def test_terminal_rules_in_the_decision_path(platform: Platform) -> None:
    reg, engine = platform.merchants, platform.engine
    reg.register_merchant(
        {"merchant_id": "m-1", "name": "Grocer", "mcc": "5411", "single_limit": "3000", "daily_limit": "5000"},
        actor="ops",
    )
    reg.register_merchant({"merchant_id": "m-food", "name": "Takeaway", "mcc": "5812"}, actor="ops")
    reg.register_terminal(
        {
            "terminal_id": "t-1",
            "serial": "SN-t-1",
            "signature": "sig-t-1",
            "certified": True,
            "kind": "fixed",
            "merchants": "m-1",
            "lat": 39.9042,
            "lon": 116.4074,
            "deployed_at": "2024-01-01",
        },
        actor="ops",
    )
    reg.register_terminal(
        {
            "terminal_id": "t-old",
            "serial": "SN-t-old",
            "signature": "sig-t-old",
            "certified": True,
            "kind": "fixed",
            "merchants": "m-1",
            "lat": 39.9042,
            "lon": 116.4074,
            "deployed_at": "2015-01-01",
        },
        actor="ops",
    )
    reg.register_terminal(
        {
            "terminal_id": "t-mob",
            "serial": "SN-t-mob",
            "signature": "sig-t-mob",
            "certified": True,
            "kind": "mobile",
            "merchants": "m-food",
            "lat": 39.9042,
            "lon": 116.4074,
            "deployed_at": "2024-01-01",
        },
        actor="ops",
    )

    def first(event: dict[str, Any]) -> str:
        d = engine.decide(event)
        return d.decision.value if not d.reasons or d.reasons[0].outcome is Outcome.APPROVE else d.reasons[0].code

    assert first(pos("t-1", "100.00")) == "approve"
    assert first(pos("t-unknown", "100.00")) == "TERMINAL_UNREGISTERED"
    held = pos("t-old", "100.00", card="k-2", entry="magstripe", chip=False)
    assert first(held) == "OLD_TERMINAL_STRIPE_READ"
    # an analyst releases it: the card has now been used there, and its next visit is its holder's
    platform.holds.release(held["event_id"], actor="analyst", reason="holder confirmed by phone")
    assert first(pos("t-old", "100.00", card="k-2", entry="magstripe", chip=False, hours=1)) == "approve"
    assert (
        first(pos("t-old", "100.00", card="k-9", entry="magstripe", chip=False, hours=1)) == "OLD_TERMINAL_STRIPE_READ"
    )
    shanghai = {"lat": 31.2304, "lon": 121.4737, "city": "Shanghai", "country": "CN"}
    assert first(pos("t-1", "100.00", card="k-3", where=shanghai)) == "TERMINAL_RELOCATED"
    assert first(pos("t-mob", "50.00", merchant="m-food", card="k-4", where=shanghai)) == "MOBILE_POS_AWAY"
    assert first(pos("t-mob", "50.00", merchant="m-food", card="k-5", mcc="5411")) == "MOBILE_POS_NOT_PERMITTED"
    assert first(pos("t-1", "3000.01", card="k-6")) == "TERMINAL_LIMIT" or first(pos("t-1", "3000.01", card="k-7")) in (
        "MERCHANT_LIMIT",
        "TERMINAL_LIMIT",
    )
    over = engine.decide(pos("t-1", "3000.01", card="k-8"))
    assert over.decision is Outcome.REJECT and over.reasons[0].code == "MERCHANT_LIMIT"
    assert engine.decide(pos("t-1", "3000.00", card="k-9")).decision is Outcome.APPROVE
    day = engine.decide(pos("t-1", "2000.00", card="k-10"))  # 100 + 3000 already today: 5,100 > 5,000
    assert day.decision is Outcome.REJECT and "5,000.00" in day.reasons[0].message_en


def test_common_point_of_compromise_flags_the_skimmer(platform: Platform, settings: Settings) -> None:
    engine, monitoring = platform.engine, build_monitoring(platform, settings)
    victims = [f"v{i}" for i in range(5)]
    for i, card in enumerate(victims):
        engine.decide(pos("t-skim", "80.00", card=card, hours=-100 + i))
        engine.decide(pos(f"t-other-{i}", "50.00", card=card, hours=-90 + i))
    for i in range(20):  # ordinary cards elsewhere, some also at the skimmer's neighbour
        engine.decide(pos("t-other-0", "30.00", card=f"ok{i}", hours=-95))
    for i, card in enumerate(victims):
        fraud = pos("t-far", "3000.00", card=card, hours=-10 + i, entry="magstripe")
        engine.decide(fraud)
        engine.decide(
            {
                "event_id": f"fb{i}",
                "type": "feedback",
                "occurred_at": (NOW - timedelta(hours=1)).isoformat(),
                "target_event_id": fraud["event_id"],
                "label": "counterfeit",
                "source": "customer_report",
            }
        )
    monitoring.refresh()
    total, points = monitoring.compromise(30, flag=True, actor="analyst")
    assert total == 5 and points[0].terminal_id == "t-skim" and points[0].victims == 5 and points[0].victim_share == 1.0
    assert all(p.victims < 5 for p in points[1:])
    # the reports had already made it a common point in real time; the batch adds no second entry
    assert len(platform.lists.lookup("compromised_terminal", "t-skim")) == 1
    after = engine.decide(pos("t-skim", "20.00", card="new-card", hours=1, entry="magstripe", chip=False))
    assert after.decision is Outcome.REVIEW and after.reasons[0].code == "COMPROMISED_TERMINAL"
    chip = engine.decide(pos("t-skim", "20.00", card="new-card-2", hours=1))  # nothing for a skimmer to copy
    assert "COMPROMISED_TERMINAL" not in {r.code for r in chip.reasons}


@pytest.mark.parametrize(
    ("kind", "action", "event_kw", "decision", "code"),
    [
        ("card", "sms_education", {}, "approve", "CASHOUT_SMS_EDUCATION"),
        ("card", "phone_education", {}, "review", "CASHOUT_PHONE_EDUCATION"),
        ("card", "transaction_control", {"amount": "2000.01"}, "reject", "CASHOUT_TRANSACTION_CONTROL"),
        ("card", "credit_limit_reduction", {"amount": "1000.01"}, "reject", "CASHOUT_TRANSACTION_CONTROL"),
        ("card", "account_control", {}, "reject", "CASHOUT_ACCOUNT_CONTROL"),
        ("merchant", "delay_settlement", {}, "delay_settlement", "MERCHANT_SETTLEMENT_DELAYED"),
        ("merchant", "freeze_settlement", {}, "delay_settlement", "MERCHANT_SETTLEMENT_FROZEN"),
        ("merchant", "lower_limits", {"amount": "5000.01"}, "reject", "MERCHANT_LIMITS_LOWERED"),
        ("merchant", "suspend_credit", {}, "reject", "MERCHANT_CREDIT_SUSPENDED"),
        ("merchant", "withdraw_terminals", {}, "reject", "MERCHANT_TERMINALS_WITHDRAWN"),
    ],
)
def test_each_disposition_changes_the_next_decision(
    platform: Platform, kind: str, action: str, event_kw: dict[str, str], decision: str, code: str
) -> None:
    engine = platform.engine
    event = pos("t-1", "100.00", card="k-c", kind="credit", merchant="m-c")
    assert engine.decide(event).decision is Outcome.APPROVE
    policy = engine.rules.policy_value
    caps = {
        "transaction_control": ("cashout_control_single", "cashout_control_daily"),
        "credit_limit_reduction": ("cashout_reduced_single", "cashout_reduced_daily"),
        "lower_limits": ("cashout_merchant_single", "cashout_merchant_daily"),
    }
    values: dict[str, Any] = {"action": action, "level": 3}
    if action in caps:
        values["single"], values["daily"] = (policy(name) for name in caps[action])
    platform.reference.set(
        f"{kind}_disposition", "k-c" if kind == "card" else "m-c", values, actor="analyst", reason="cash-out scan"
    )
    after = engine.decide(
        pos("t-1", event_kw.get("amount", "100.00"), card="k-c", kind="credit", merchant="m-c", hours=1)
    )
    assert after.decision.value == decision and code in {r.code for r in after.reasons}, after.to_dict()


@pytest.mark.slow
def test_cashout_scan_ranks_the_cashout_merchants_and_cardholders_first(tmp_path: Path) -> None:
    sim = simulate(customers=1500, days=30, seed=3)
    settings = Settings.embedded(tmp_path / "d")
    platform = build_platform(settings)
    monitoring = build_monitoring(platform, settings)
    try:
        for i in range(0, len(sim.events), 2000):
            platform.engine.decide_many(sim.events[i : i + 2000])
        assert monitoring.refresh() == len(sim.events)
        assert monitoring.refresh() == 0  # incremental: nothing new
        report, applied = monitoring.cashout(30, apply=True, actor="cashout-scheduler")
        labels = sim.entity_labels
        bad_merchants = {k.split(":", 1)[1] for k, v in labels.items() if v == "cashout_merchant"}
        bad_cards = {k.split(":", 1)[1] for k, v in labels.items() if v == "cashout_cardholder"}
        top_merchants = [f.entity_id for f in report.merchants[: len(bad_merchants)]]
        assert set(top_merchants) == bad_merchants
        assert all(f.level >= 2 for f in report.merchants[: len(bad_merchants)])  # all get a disposition
        assert report.merchants[len(bad_merchants)].level < 2  # the first honest merchant is left alone
        top_cards = [f.entity_id for f in report.cardholders[: len(bad_cards)]]
        assert len(set(top_cards) & bad_cards) / len(bad_cards) >= 0.75
        one_percent = max(1, len(report.cardholders) // 100)
        assert all(f.entity_id in bad_cards for f in report.cardholders[:one_percent])
        assert applied >= len(bad_merchants)
        heavy = [
            f
            for f in report.cardholders
            if f.level >= 2 and f.disposition in ("credit_limit_reduction", "account_control")
        ]
        waiting = [r for r in platform.lists.pending() if r.action == "cashout_disposition"]
        assert monitoring.proposed == len(heavy) == len(waiting)  # proposed for a second person, not set
        # the applied disposition changes the next transaction at a cash-out merchant
        top = report.merchants[0]
        expected = {"lower_limits": "MERCHANT_LIMITS_LOWERED", "suspend_credit": "MERCHANT_CREDIT_SUSPENDED"}
        assert top.disposition in expected  # level 3 or 4, as the run's cash-out shape makes it
        nxt = platform.engine.decide(
            pos("t-z", "6000.00", merchant=top.entity_id, card="k-any", kind="credit", hours=24 * 400)
        )
        assert nxt.decision is Outcome.REJECT and nxt.reasons[0].code == expected[top.disposition]
        register_level = min(f.level for f in report.merchants[: len(bad_merchants)])
        for path in (tmp_path / "register.csv", tmp_path / "register.xlsx"):
            rows = monitoring.register(report, path, min_level=register_level)
            assert rows == len(bad_merchants)
        with open(tmp_path / "register.csv", encoding="utf-8-sig") as handle:
            table = list(csv.reader(handle))
        assert table[0][0].startswith("商户名称") and {r[1] for r in table[1:]} == bad_merchants
        assert all(int(r[2]) >= 1 and float(r[3]) > 0 for r in table[1:])
        from openpyxl import load_workbook

        sheet = load_workbook(tmp_path / "register.xlsx").worksheets[0]
        assert sheet.max_row == len(bad_merchants) + 1
    finally:
        platform.close()


def test_account_control_and_limit_reduction_take_effect_only_when_a_second_person_approves(
    platform: Platform,
) -> None:
    """003 §2.4.2: the heaviest cash-out dispositions are proposed, and a second person decides."""
    from fengkong.batch.monitoring import DISPOSITION_ACTION
    from fengkong.domain.errors import NotPermitted

    engine = platform.engine
    assert engine.decide(pos("t-1", "100.00", card="k-h", kind="credit", merchant="m-c")).decision is Outcome.APPROVE
    payload = {
        "kind": "card_disposition",
        "entity_id": "k-h",
        "values": {"action": "account_control", "level": 5},
        "reason": "cash-out score 91 level 5",
    }
    request = platform.lists.request_action(DISPOSITION_ACTION, payload, maker="analyst-a", reason="cash-out scan")
    proposed = engine.decide(pos("t-1", "100.00", card="k-h", kind="credit", merchant="m-c", hours=1))
    assert proposed.decision is Outcome.APPROVE  # a proposal changes nothing yet
    with pytest.raises(NotPermitted):
        platform.lists.approve(request.id, checker="analyst-a")
    platform.lists.approve(request.id, checker="analyst-b", note="checked the statements")
    after = engine.decide(pos("t-1", "100.00", card="k-h", kind="credit", merchant="m-c", hours=2))
    assert after.decision is Outcome.REJECT and "CASHOUT_ACCOUNT_CONTROL" in {r.code for r in after.reasons}
