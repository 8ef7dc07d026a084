"""Lists, stop-payment, tracing, maker-checker, penalties, the audit chain and sharing, end to end
through the built-in rule pack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from fengkong import InputError, Outcome, Platform, Settings
from tests.access import api_client

CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 5, 20, 14, 0, tzinfo=CST)
_n = iter(range(10**6))


def transfer(src: str, dst: str, amount: str, minutes: float, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"x{next(_n)}",
        "type": "transaction",
        "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "customer_id": f"cust-{src}",
        "account_id": src,
        "account_kind": "bank",
        "account_class": "I",
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "amount": amount,
        "counterparty_account_id": dst,
        **extra,
    }


def test_telecom_fraud_money_split_over_three_mule_layers_is_stopped_before_it_leaves(platform: Platform) -> None:
    engine, orders = platform.engine, platform.orders
    victim = transfer("victim", "mule-1", "45000.00", 0)
    layers = [
        transfer("mule-1", "mule-2a", "20000.00", 5),
        transfer("mule-1", "mule-2b", "22000.00", 6),
        transfer("mule-2a", "mule-3a", "12000.00", 20),
        transfer("mule-2a", "mule-3b", "7000.00", 21),
        transfer("mule-2b", "mule-3b", "9000.00", 24),
        transfer("mule-2b", "mule-3c", "12500.00", 25),
    ]
    # customers with a history of such transfers (without one, a large payment to a new payee is
    # challenged: no profile is not the same as no risk): these go through and must be traced
    for src in ("victim", "mule-1", "mule-2a", "mule-2b"):
        for day in range(5):
            usual = transfer(src, f"usual-{src}", "9500.00", -(25 - day) * 1440)
            assert engine.decide(usual).decision is Outcome.APPROVE
    for event in [victim, *layers]:
        assert engine.decide(event).decision is Outcome.APPROVE, event
    # 30 minutes later the victim calls the police; the bank receives a stop-payment on the first mule
    orders.stop_payment(
        "mule-1",
        case_number="GA-2024-0520-017",
        authority="Beijing PSB Chaoyang",
        reason="telecom fraud, victim report",
        actor="ops-a",
    )
    assert engine.decide(transfer("mule-1", "elsewhere", "100.00", 31)).decision is Outcome.STOP_PAYMENT
    result, stops = orders.trace_and_stop(
        victim["event_id"],
        case_number="GA-2024-0520-017",
        authority="Beijing PSB Chaoyang",
        actor="ops-a",
        reason="quick query",
    )
    mules = ("mule-1", "mule-2a", "mule-2b", "mule-3a", "mule-3b", "mule-3c")
    name = {platform.lists.key_of("stop_payment", m): m for m in mules}  # accounts are kept as references
    held = {name[n.account]: n.remaining_fen for n in result.nodes.values()}
    assert held == {
        "mule-1": 300000,
        "mule-2a": 100000,
        "mule-2b": 50000,
        "mule-3a": 1200000,
        "mule-3b": 1600000,
        "mule-3c": 1250000,
    }
    assert sum(held.values()) == 4500000  # every fen of the victim's money is located
    assert {name[e.match_key] for e in stops} == set(held)
    assert {e.display for e in stops} == {"****"}  # shown masked (too short to show any of it)
    # the next attempts to move the money on are stopped, at every layer
    for account in ("mule-2a", "mule-2b", "mule-3a", "mule-3b", "mule-3c"):
        attempt = transfer(account, "cash-out", "5000.00", 40)
        decision = engine.decide(attempt)
        assert decision.decision is Outcome.STOP_PAYMENT, (account, decision.to_dict())
        assert "GA-2024-0520-017" in decision.reasons[0].message_en
    atm = {**transfer("mule-3b", "x", "2000.00", 41), "txn_type": "withdrawal", "channel": "atm"}
    assert engine.decide(atm).decision is Outcome.STOP_PAYMENT
    # money coming in is not blocked (the victim's bank can still return it)
    assert engine.decide(transfer("someone", "mule-3a", "10.00", 42)).decision is Outcome.APPROVE


def test_removing_an_entry_needs_a_second_person_and_the_audit_chain_detects_tampering(
    platform: Platform, settings: Settings
) -> None:
    engine, lists, audit = platform.engine, platform.lists, platform.audit
    entry = lists.add("involved_account", "acct-9", actor="alice", reason="police notice 17", source="police")
    assert engine.decide(transfer("acct-9", "x", "10.00", 0)).decision is Outcome.REJECT
    request = lists.request_removal(entry.id, maker="alice", reason="notice withdrawn")
    with pytest.raises(InputError, match="different person"):
        lists.approve(request.id, checker="alice")
    assert engine.decide(transfer("acct-9", "x", "10.00", 1)).decision is Outcome.REJECT  # still listed
    lists.approve(request.id, checker="bob", note="checked the withdrawal letter")
    assert engine.decide(transfer("acct-9", "x", "10.00", 2)).decision is Outcome.APPROVE
    with pytest.raises(InputError, match="already approved"):
        lists.approve(request.id, checker="carol")
    check = audit.verify()
    assert check.ok and check.rows == 4
    actions = [r.action for r in audit.records()]
    assert actions[:4] == [
        "list.add.involved_account",
        "request.remove_entry",
        "request.refused_same_person",
        "approve.remove_entry",
    ]
    outside = create_engine(settings.db_url)  # someone with database access, behind fengkong's back
    with outside.begin() as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 2"))
    tampered = audit.verify()
    assert not tampered.ok and tampered.first_bad_seq == 2 and "changed after writing" in tampered.problem
    with outside.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    outside.dispose()
    assert audit.verify().first_bad_seq == 3


def test_freeze_holds_an_amount_until_its_expiry(platform: Platform) -> None:
    engine, orders = platform.engine, platform.orders
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    orders.freeze(
        "acct-f", "10000.00", case_number="C-1", authority="court", reason="civil case", actor="ops", expires_at=until
    )
    now = datetime.now(CST)

    def debit(balance: str | None, days: float = 0) -> Outcome:
        event = transfer("acct-f", "x", "500.00", 0) | {"occurred_at": (now + timedelta(days=days)).isoformat()}
        if balance is not None:
            event["balance_after"] = balance
        return engine.decide(event).decision

    assert debit("15000.00") is Outcome.APPROVE
    assert debit("9999.99") is Outcome.STOP_PAYMENT
    assert debit(None) is Outcome.STOP_PAYMENT  # balance unknown: cannot show the frozen amount stays
    assert debit("100.00", days=31) is Outcome.APPROVE  # expired


def test_penalties_for_a_rented_account_and_its_owner(platform: Platform) -> None:
    from fengkong.domain.identity.resident_id import check_digit

    owner = "11010519900101001" + check_digit("11010519900101001")
    engine, orders = platform.engine, platform.orders
    now = datetime.now(CST)
    other_account = {  # the owner's other account, opened before the penalty
        "event_id": "open-0",
        "type": "account_open",
        "occurred_at": (now - timedelta(days=30)).isoformat(),
        "account_id": "acct-other",
        "account_kind": "bank",
        "account_class": "II",
        "id_number": owner,
        "institution_id": "bank-z",
    }
    assert engine.decide(other_account).decision is Outcome.APPROVE
    entries = orders.confirm_rented_account(
        "acct-r", owner, actor="ops", reason="sold to a fraud ring", evidence="PSB notice 88", source="police"
    )
    assert [e.list_type for e in entries] == [
        "involved_account",
        "penalty_account",
        "penalty_person_business",
        "penalty_person",
    ]
    # every account of the person, found by identity: no non-counter business for 5 years
    elsewhere = engine.decide(transfer("acct-other", "y", "10.00", 0) | {"occurred_at": now.isoformat()})
    assert elsewhere.decision is Outcome.REJECT and elsewhere.reasons[0].code == "PERSON_BUSINESS_PENALTY"
    assert str(now.year + 5) in elsewhere.reasons[0].message_en
    at_counter = transfer("acct-other", "y", "10.00", 0) | {"occurred_at": now.isoformat(), "channel": "counter"}
    assert engine.decide(at_counter | {"event_id": "counter-other"}).decision is Outcome.APPROVE
    online = engine.decide(
        transfer("acct-r", "x", "10.00", 0) | {"occurred_at": now.isoformat(), "txn_type": "deposit"}
    )
    assert online.decision is Outcome.REJECT and online.reasons[0].code == "ACCOUNT_PENALTY"
    assert str(now.year + 5) in online.reasons[0].message_en
    counter = transfer("acct-r", "x", "10.00", 0) | {
        "occurred_at": now.isoformat(),
        "txn_type": "deposit",
        "channel": "counter",
    }
    assert engine.decide(counter).decision is Outcome.APPROVE
    opening = {
        "event_id": "open-1",
        "type": "account_open",
        "occurred_at": now.isoformat(),
        "account_id": "new-1",
        "account_kind": "bank",
        "account_class": "II",
        "id_number": owner,
        "institution_id": "bank-z",
    }
    refused = engine.decide(opening)
    assert refused.decision is Outcome.REJECT and refused.reasons[0].code == "PERSON_PENALTY"
    assert str(now.year + 3) in refused.reasons[0].message_zh
    penalty = entries[3]
    request = platform.lists.request_penalty_change(
        penalty.id, (now + timedelta(days=1)).isoformat(), maker="ops", reason="court reduced the penalty"
    )
    platform.lists.approve(request.id, checker="head-of-ops")
    later = opening | {"event_id": "open-2", "occurred_at": (now + timedelta(days=2)).isoformat()}
    assert engine.decide(later).decision is Outcome.APPROVE


def test_lists_match_sensitive_values_by_keyed_hash_and_import_reports_rows(
    platform: Platform, settings: Settings
) -> None:
    import io

    engine, lists = platform.engine, platform.lists
    lists.add("phone", "138-0013-8000", actor="ops", reason="scam calls", source="carrier")
    lists.add("card", "6222021234567890128", actor="ops", reason="counterfeit", source="scheme")
    login = {
        "event_id": "l1",
        "type": "login",
        "occurred_at": T0.isoformat(),
        "success": True,
        "phone": "13800138000",
        "device_id": "d",
    }
    assert engine.decide(login).decision is Outcome.REJECT
    pay = transfer("a", "b", "10.00", 0) | {"card_id": "6222021234567890128", "txn_type": "purchase"}
    assert engine.decide(pay).decision is Outcome.REJECT
    outside = create_engine(settings.db_url)
    with outside.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT match_key || display FROM list_entries"))]
    outside.dispose()
    assert not any("13800138000" in s or "6222021234567890128" in s for s in stored)
    rows = lists.import_csv(
        "device",
        io.StringIO("value,reason\ndev-1,emulator farm\n,missing value\ndev-2,\n"),
        actor="ops",
        source="internal",
    )
    assert [(r.row, r.outcome) for r in rows] == [(1, "added"), (2, "error"), (3, "error")]
    assert "value" in rows[1].message and "reason" in rows[2].message


def test_reciprocal_sharing(platform: Platform) -> None:
    sharing = platform.sharing
    with pytest.raises(InputError, match="reciprocity"):
        sharing.query("bank-b", "phone", "13900001111", actor="analyst-b")
    sharing.report("bank-a", "phone", "139-0000-1111", "telecom_fraud", actor="analyst-a")
    sharing.report("bank-c", "phone", "13900001111", "account_rental", actor="analyst-c")
    sharing.report("bank-b", "account", "6222000011112222", "cash_out", actor="analyst-b")
    answer = sharing.query("bank-b", "phone", "13900001111", actor="analyst-b")
    assert answer["reports"] == 2 and answer["institutions"] == 2
    assert answer["risk_types"] == {"telecom_fraud": 1, "account_rental": 1}
    assert "bank-a" not in str(answer) and "13900001111" not in str(answer)
    log = sharing.queries()
    assert [q["allowed"] for q in log] == [True, False]


def test_control_api(platform: Platform) -> None:
    with (
        api_client(platform) as client,
        api_client(platform, "supervisor") as second,
        api_client(platform, "auditor") as auditor,
    ):
        made = client.post(
            "/v1/stop-payments",
            json={"account_id": "m1", "case_number": "C9", "authority": "PSB", "reason": "fraud", "actor": "a"},
        )
        assert made.status_code == 201 and made.json()["list_type"] == "stop_payment"
        assert (
            client.post("/v1/stop-payments", json={"account_id": "m1", "actor": "a", "reason": "r"}).json()["error"][
                "field"
            ]
            == "case_number"
        )
        request = client.post(
            f"/v1/list-entries/{made.json()['id']}:remove", json={"maker": "a", "reason": "released by PSB"}
        )
        assert request.status_code == 202
        same = client.post(f"/v1/changes/{request.json()['id']}:approve", json={"checker": "a"})
        assert same.status_code == 403
        assert client.get("/v1/changes").json()[0]["status"] == "pending"
        assert second.post(f"/v1/changes/{request.json()['id']}:approve", json={"checker": "b"}).status_code == 200
        assert client.get("/v1/audit:verify").status_code == 403
        assert auditor.get("/v1/audit:verify").json()["ok"] is True
        bad = client.post("/v1/lists/galaxy/entries", json={"value": "x", "actor": "a", "reason": "r", "source": "s"})
        assert bad.status_code == 422 and "unknown list" in bad.json()["error"]["message"]
        missing = client.post("/v1/trace", json={"event_id": "nope"})
        assert missing.status_code == 422 and missing.json()["error"]["field"] == "event_id"
