"""ReferenceData on the memory adapters: limits, transfer agreements, dispositions and history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fengkong.domain.errors import InputError, NotFound
from fengkong.services.platform import Platform

WHO = {"actor": "alice", "reason": "customer request"}


def test_set_and_get(platform: Platform) -> None:
    change = platform.reference.set("customer_limits", "c1", {"single": "500", "daily": 2000}, **WHO)

    assert (change.kind, change.entity_id, change.version) == ("customer_limits", "c1", 1)
    assert change.record == {"single": "500.00", "daily": "2000.00"}
    assert (change.changed_by, change.reason) == ("alice", "customer request")
    assert platform.reference.get("customer_limits", "c1") == {"single": "500.00", "daily": "2000.00"}
    assert platform.reference.get("customer_limits", "c2") is None
    assert platform.reference.get("transfer_agreement", "c1") is None


def test_change_takes_effect_in_the_read_model_at_once(platform: Platform) -> None:
    platform.reference.set("customer_limits", "c1", {"single": "500"}, **WHO)
    assert platform.read_model.reference("customer_limits", "customer|c1") == {"single": Decimal("500.00")}

    platform.reference.set("customer_limits", "c1", {"single": "800.50", "daily": "1000"}, **WHO)
    assert platform.read_model.reference("customer_limits", "customer|c1") == {
        "single": Decimal("800.50"),
        "daily": Decimal("1000.00"),
    }
    platform.reference.remove("customer_limits", "c1", **WHO)
    assert platform.read_model.reference("customer_limits", "customer|c1") is None


def test_counts_and_choices(platform: Platform) -> None:
    platform.reference.set(
        "transfer_agreement", "acct-1", {"to_account_daily_amount": "50000", "to_account_daily_count": 10}, **WHO
    )
    platform.reference.set("card_disposition", "ctk_1", {"action": "transaction_control", "level": 3}, **WHO)

    assert platform.reference.get("transfer_agreement", "acct-1") == {
        "to_account_daily_amount": "50000.00",
        "to_account_daily_count": 10,
    }
    assert platform.read_model.reference("card_disposition", "card|ctk_1") == {
        "action": "transaction_control",
        "level": 3,
    }


def test_history_keeps_every_change(platform: Platform) -> None:
    platform.reference.set("customer_limits", "c1", {"single": "500"}, actor="alice", reason="opened")
    platform.reference.set("customer_limits", "c1", {"single": "300"}, actor="bob", reason="lowered on request")
    platform.reference.remove("customer_limits", "c1", actor="carol", reason="account closed")
    platform.reference.set("customer_limits", "c1", {"daily": "100"}, actor="dave", reason="reopened")

    history = platform.reference.history("customer_limits", "c1")

    assert [(c.version, c.changed_by, c.reason, c.record) for c in history] == [
        (1, "alice", "opened", {"single": "500.00"}),
        (2, "bob", "lowered on request", {"single": "300.00"}),
        (3, "carol", "account closed", None),
        (4, "dave", "reopened", {"daily": "100.00"}),
    ]
    assert platform.reference.get("customer_limits", "c1") == {"daily": "100.00"}
    assert platform.reference.history("customer_limits", "c2") == []


def test_remove_of_nothing_is_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as missing:
        platform.reference.remove("customer_limits", "c1", **WHO)
    assert missing.value.field == "id"
    assert platform.reference.history("customer_limits", "c1") == []


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("customer_limits", {"single": "abc"}, "single"),
        ("customer_limits", {"daily": "1.234"}, "daily"),
        ("customer_limits", {"single": "-1"}, "single"),
        ("transfer_agreement", {"to_bank_daily_amount": "0"}, "to_bank_daily_amount"),
        ("transfer_agreement", {"to_account_daily_count": -1}, "to_account_daily_count"),
        ("transfer_agreement", {"to_account_daily_count": "3"}, "to_account_daily_count"),
        ("card_disposition", {"action": "shout"}, "action"),
        ("merchant_disposition", {"action": "sms_education"}, "action"),  # a cardholder action
        ("customer_limits", {"weekly": "100"}, "weekly"),
        ("customer_limits", {}, "(record)"),
    ],
)
def test_bad_values_name_the_field(platform: Platform, kind: str, values: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.reference.set(kind, "x1", values, **WHO)
    assert bad.value.field == field
    assert platform.reference.get(kind, "x1") is None
    assert platform.reference.history(kind, "x1") == []


def test_unknown_kind_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.reference.set("credit_score", "c1", {"single": "1"}, **WHO)
    assert bad.value.field == "kind"
    assert "is not a kind of record" in bad.value.message
    assert "credit_score" not in bad.value.message  # a refused value is never echoed


@pytest.mark.parametrize("missing", ["actor", "reason"])
def test_who_and_why_are_required(platform: Platform, missing: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.reference.set("customer_limits", "c1", {"single": "1"}, **{**WHO, missing: ""})
    assert bad.value.field == missing
    assert platform.reference.get("customer_limits", "c1") is None
