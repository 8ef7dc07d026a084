"""OrderService on the memory adapters: stop-payment, freeze, rented-account penalties, tracing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import fengkong
from fengkong import Outcome
from fengkong.adapters.rulefiles import BUILTIN_POLICY
from fengkong.domain import clock
from fengkong.domain.errors import InputError
from fengkong.services.platform import Platform
from tests.unit.services.support import ID_NUMBER, audit_actions, iso_in, named, now_ts, purchase, transfer

ORDER = {"case_number": "SZ-2024-001", "authority": "Shenzhen PSB", "reason": "telecom fraud", "actor": "ops"}
RENTED = {"actor": "ops", "reason": "account sold online", "evidence": "chat logs", "source": "investigation"}


@pytest.fixture
def short_stop_policy(tmp_path: Path, rules_file: Path) -> Iterator[Platform]:
    policy = tmp_path / "policy.yaml"
    text = BUILTIN_POLICY.read_text(encoding="utf-8")
    assert "stop_payment_hours: 48" in text
    policy.write_text(text.replace("stop_payment_hours: 48", "stop_payment_hours: 2"), encoding="utf-8")
    with fengkong.in_memory(rule_paths=(rules_file,), policy_path=policy) as built:
        yield built


# ---------------------------------------------------------------------------------------- stop-payment


def test_stop_payment_lasts_the_policy_hours_by_default(platform: Platform) -> None:
    before = now_ts()
    entry = platform.orders.stop_payment("acct-1", **ORDER)
    after = now_ts()

    assert platform.rules.policy_value("stop_payment_hours") == 48
    assert entry.expires_at is not None
    assert before + 48 * 3600 <= entry.expires_at <= after + 48 * 3600
    assert (entry.list_type, entry.case_number, entry.authority) == ("stop_payment", "SZ-2024-001", "Shenzhen PSB")
    assert (entry.source, entry.evidence, entry.added_by) == ("Shenzhen PSB", "SZ-2024-001", "ops")
    assert platform.lists.lookup("stop_payment", "acct-1") == [entry]
    assert audit_actions(platform) == ["list.add.stop_payment"]


def test_stop_payment_duration_follows_the_policy_file(short_stop_policy: Platform) -> None:
    before = now_ts()
    entry = short_stop_policy.orders.stop_payment("acct-1", **ORDER)

    assert entry.expires_at is not None
    assert before + 2 * 3600 <= entry.expires_at <= now_ts() + 2 * 3600


def test_stop_payment_with_an_explicit_expiry(platform: Platform) -> None:
    entry = platform.orders.stop_payment("acct-1", **ORDER, expires_at="2099-01-01T00:00:00+08:00")
    assert entry.to_dict()["expires_at"] == "2098-12-31T16:00:00+00:00"
    with pytest.raises(InputError) as past:
        platform.orders.stop_payment("acct-2", **ORDER, expires_at=iso_in(-1))
    assert past.value.field == "expires_at"


@pytest.mark.parametrize("missing", ["case_number", "authority"])
def test_stop_payment_needs_case_and_authority(platform: Platform, missing: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.orders.stop_payment("acct-1", **{**ORDER, missing: ""})
    assert bad.value.field == missing
    assert platform.lists.lookup("stop_payment", "acct-1") == []


def test_stopped_account_cannot_pay(builtin: Platform) -> None:
    builtin.orders.stop_payment("acct-1", **ORDER)

    decision = builtin.engine.decide(transfer("t1", "acct-1", "acct-2", "50.00", 0))

    assert decision.decision is Outcome.STOP_PAYMENT
    stop = next(r for r in decision.reasons if r.code == "EMERGENCY_STOP_PAYMENT")
    assert "Shenzhen PSB" in stop.message_en and "SZ-2024-001" in stop.message_en


# ---------------------------------------------------------------------------------------- freeze


def test_freeze_holds_an_amount_until_its_expiry(platform: Platform) -> None:
    entry = platform.orders.freeze("acct-1", "5000", **ORDER, expires_at="2099-01-01T00:00:00+08:00")

    assert (entry.list_type, entry.amount_fen, entry.case_number) == ("freeze", 500000, "SZ-2024-001")
    listed = platform.read_model.listed("freeze", platform.lists.key_of("freeze", "acct-1"), now_ts())
    assert listed is not None and str(listed["amount"]) == "5000.00" and listed["until"] == "2099-01-01"


@pytest.mark.parametrize("expires_at", [None, ""])
def test_freeze_needs_an_expiry(platform: Platform, expires_at: str | None) -> None:
    with pytest.raises(InputError) as bad:
        platform.orders.freeze("acct-1", "5000", **ORDER, expires_at=expires_at)
    assert bad.value.field == "expires_at"
    assert platform.lists.lookup("freeze", "acct-1") == []


@pytest.mark.parametrize("amount", [None, "0", "abc"])
def test_freeze_needs_an_amount(platform: Platform, amount: str | None) -> None:
    with pytest.raises(InputError) as bad:
        platform.orders.freeze("acct-1", amount, **ORDER, expires_at=iso_in(24))
    assert bad.value.field == "amount"
    assert platform.lists.lookup("freeze", "acct-1") == []


def test_freeze_needs_case_and_authority(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.orders.freeze("acct-1", "10", **{**ORDER, "authority": " "}, expires_at=iso_in(24))
    assert bad.value.field == "authority"


# ---------------------------------------------------------------------------------------- rented accounts


def test_rented_account_gets_four_entries(platform: Platform) -> None:
    now = datetime.now(UTC)

    involved, account, business, person = platform.orders.confirm_rented_account("acct-5", ID_NUMBER, **RENTED)

    assert (involved.list_type, account.list_type, business.list_type, person.list_type) == (
        "involved_account",
        "penalty_account",
        "penalty_person_business",
        "penalty_person",
    )
    assert involved.expires_at is None
    assert account.expires_at is not None and business.expires_at is not None and person.expires_at is not None
    assert datetime.fromtimestamp(account.expires_at, UTC).year == now.year + 5
    assert datetime.fromtimestamp(business.expires_at, UTC).year == now.year + 5  # every account of the person
    assert datetime.fromtimestamp(person.expires_at, UTC).year == now.year + 3  # no new accounts
    assert person.display == business.display == "110105********002X"
    assert platform.lists.lookup("involved_account", "acct-5") == [involved]
    assert platform.lists.lookup("penalty_account", "acct-5") == [account]
    assert platform.lists.lookup("penalty_person_business", ID_NUMBER) == [business]
    assert platform.lists.lookup("penalty_person", ID_NUMBER) == [person]
    assert audit_actions(platform) == [
        "list.add.involved_account",
        "list.add.penalty_account",
        "list.add.penalty_person_business",
        "list.add.penalty_person",
    ]


def test_rented_account_entries_are_all_or_nothing(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.orders.confirm_rented_account("acct-5", "110105194912310021", **RENTED)  # bad check digit

    assert bad.value.field == "value"
    assert platform.lists.lookup("involved_account", "acct-5") == []
    assert platform.lists.lookup("penalty_account", "acct-5") == []
    assert (
        platform.read_model.listed("involved_account", platform.lists.key_of("involved_account", "acct-5"), now_ts())
        is None
    )
    assert (
        platform.read_model.listed("penalty_account", platform.lists.key_of("penalty_account", "acct-5"), now_ts())
        is None
    )
    assert platform.audit.records() == []
    # a later, valid confirmation is unaffected by the failed one
    entries = platform.orders.confirm_rented_account("acct-5", ID_NUMBER, **RENTED)
    assert len(entries) == 4
    assert len(platform.lists.lookup("involved_account", "acct-5")) == 1


def test_rented_account_confirmed_on_29_february(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utc_now", lambda: datetime(2028, 2, 29, 12, 0, tzinfo=UTC))

    entries = platform.orders.confirm_rented_account("acct-5", ID_NUMBER, **RENTED)

    assert [e.list_type for e in entries] == [
        "involved_account",
        "penalty_account",
        "penalty_person_business",
        "penalty_person",
    ]
    assert entries[1].expires_at is not None
    assert datetime.fromtimestamp(entries[1].expires_at, UTC).year == 2033


# ---------------------------------------------------------------------------------------- tracing


def _money_trail(platform: Platform) -> None:
    """A pays B 1000; B passes 600 to C and 50 to D (under the 100 yuan default threshold)."""
    for event in (
        transfer("t1", "A", "B", "1000.00", 0),
        transfer("t2", "B", "C", "600.00", 10),
        transfer("t3", "B", "D", "50.00", 20),
    ):
        assert platform.engine.decide(event).decision is Outcome.APPROVE


def test_trace_of_an_unknown_event_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.orders.trace("nope")
    assert bad.value.field == "event_id"


def test_trace_of_a_purchase_is_refused(platform: Platform) -> None:
    platform.engine.decide(purchase("p1", 0))
    with pytest.raises(InputError) as bad:
        platform.orders.trace("p1")
    assert bad.value.field == "event_id"


def test_trace_follows_the_money(platform: Platform) -> None:
    _money_trail(platform)

    result = platform.orders.trace("t1").to_dict()

    name = named(platform, "A", "B", "C", "D")
    accounts = {name[a["account"]]: a for a in result["accounts"]}
    assert set(accounts) == {"B", "C"}  # the 50 to D is under the threshold
    assert (accounts["B"]["received"], accounts["B"]["forwarded"], accounts["B"]["remaining"]) == (
        "1000.00",
        "600.00",
        "400.00",
    )
    assert (accounts["C"]["depth"], accounts["C"]["remaining"]) == (2, "600.00")
    assert result["stoppable_total"] == "1000.00"


def test_trace_threshold_can_be_lowered(platform: Platform) -> None:
    _money_trail(platform)

    result = platform.orders.trace("t1", min_amount="10").to_dict()

    name = named(platform, "A", "B", "C", "D")
    accounts = {name[a["account"]]: a["remaining"] for a in result["accounts"]}
    assert accounts == {"B": "350.00", "C": "600.00", "D": "50.00"}
    with pytest.raises(InputError) as bad:
        platform.orders.trace("t1", min_amount="ten")
    assert bad.value.field == "min_amount"


def test_trace_ignores_transfers_that_were_not_approved(platform: Platform) -> None:
    platform.engine.decide(transfer("t1", "A", "B", "1000.00", 0, customer_id="cb"))
    platform.engine.decide(transfer("t2", "B", "C", "300.00", 1, customer_id="cb"))
    refused = platform.engine.decide(transfer("t3", "B", "D", "300.00", 2, customer_id="cb"))
    assert refused.decision is Outcome.REVIEW  # the burst rule: third transaction in ten minutes

    name = named(platform, "A", "B", "C", "D")
    accounts = {name[a["account"]] for a in platform.orders.trace("t1").to_dict()["accounts"]}

    assert accounts == {"B", "C"}


def test_trace_and_stop_orders_every_account_still_holding_money(builtin: Platform) -> None:
    _money_trail(builtin)

    result, stops = builtin.orders.trace_and_stop("t1", **ORDER)

    name = named(builtin, "B", "C")
    assert [(name[s.match_key], s.display, s.list_type) for s in stops] == [
        ("B", "****", "stop_payment"),  # shown masked (too short to show any of it)
        ("C", "****", "stop_payment"),
    ]
    assert stops[0].reason == "telecom fraud (traced from t1: 400.00 yuan held)"
    assert stops[1].reason == "telecom fraud (traced from t1: 600.00 yuan held)"
    assert all(s.case_number == "SZ-2024-001" for s in stops)
    assert len(result.stoppable()) == 2
    assert builtin.lists.lookup("stop_payment", "A") == []
    assert builtin.lists.lookup("stop_payment", "D") == []
    onward = builtin.engine.decide(transfer("t4", "C", "E", "10.00", 30))
    assert onward.decision is Outcome.STOP_PAYMENT
