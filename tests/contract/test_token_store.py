"""The TokenStore contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fengkong.bootstrap import Stores
from fengkong.domain.tokens import PaymentToken


def controls() -> dict[str, Any]:
    return {
        "max_uses": 3,
        "per_use_max": "500.00",
        "total_max": "1234.56",
        "valid_from": 1700000000.123456,
        "valid_until": 1800000000.5,
        "channels": ["pos", "quick_pay"],
        "merchants": ["m-1", "商户-2"],
    }


def token(name: str = "ptk_1", status: str = "active", **overrides: Any) -> PaymentToken:
    values: dict[str, Any] = {
        "card_ref": f"ctk_{name}",
        "masked": "621234******1232",
        "controls": controls(),
        "created_by": "analyst-1",
    }
    values.update(overrides)
    return PaymentToken(name, status=status, **values)


def test_add_then_get_round_trips_every_field(stores: Stores) -> None:
    stores.tokens.add(token("ptk_1"))
    found = stores.tokens.get("ptk_1")
    assert found is not None
    assert (found.token, found.card_ref, found.masked, found.status, found.created_by) == (
        "ptk_1",
        "ctk_ptk_1",
        "621234******1232",
        "active",
        "analyst-1",
    )
    assert found.controls == controls()
    assert isinstance(found.controls["per_use_max"], str) and isinstance(found.controls["valid_from"], float)
    assert found.controls["valid_from"] == 1700000000.123456
    assert found.for_rules()["total_max"] == Decimal("1234.56")


def test_empty_controls_round_trip(stores: Stores) -> None:
    stores.tokens.add(token("ptk_bare", controls={}))
    found = stores.tokens.get("ptk_bare")
    assert found is not None and found.controls == {} and found.status == "active"


def test_get_of_an_unknown_token_is_none(stores: Stores) -> None:
    assert stores.tokens.get("ptk_nope") is None
    stores.tokens.add(token("ptk_1"))
    assert stores.tokens.get("ptk_nope") is None
    assert stores.tokens.get("ptk_1") is not None


def test_set_status_changes_only_the_status(stores: Stores) -> None:
    stores.tokens.add(token("ptk_1"))
    stores.tokens.add(token("ptk_2"))
    before = stores.tokens.get("ptk_1")
    stores.tokens.set_status("ptk_1", "suspended")
    after = stores.tokens.get("ptk_1")
    assert before is not None and after is not None
    assert after.status == "suspended"
    assert after == PaymentToken(
        before.token, before.card_ref, before.masked, "suspended", before.controls, before.created_by, before.created_at
    )
    other = stores.tokens.get("ptk_2")
    assert other is not None and other.status == "active"
    stores.tokens.set_status("ptk_1", "deleted")
    final = stores.tokens.get("ptk_1")
    assert final is not None and final.status == "deleted" and final.controls == controls()


def test_all_lists_every_token(stores: Stores) -> None:
    assert stores.tokens.all() == []
    for i in range(5):
        stores.tokens.add(token(f"ptk_{i}"))
    stores.tokens.set_status("ptk_3", "suspended")
    listed = stores.tokens.all()
    assert sorted(t.token for t in listed) == [f"ptk_{i}" for i in range(5)]
    assert {t.token: t.status for t in listed}["ptk_3"] == "suspended"
    assert all(t.controls == controls() for t in listed)
    assert {t.token: t for t in listed}["ptk_2"] == stores.tokens.get("ptk_2")


def test_stamp_changes_on_add_and_set_status_not_on_reads(stores: Stores) -> None:
    tokens = stores.tokens
    start = tokens.stamp()
    assert tokens.stamp() == start
    tokens.add(token("ptk_1"))
    after_add = tokens.stamp()
    assert after_add != start
    tokens.get("ptk_1")
    tokens.get("ptk_none")
    tokens.all()
    assert tokens.stamp() == after_add
    tokens.set_status("ptk_1", "suspended")
    after_status = tokens.stamp()
    assert after_status not in (start, after_add)
    tokens.add(token("ptk_2"))
    assert tokens.stamp() not in (start, after_add, after_status)


def test_created_at_is_iso_8601_with_a_utc_offset(stores: Stores) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    stores.tokens.add(token("ptk_1"))
    found = stores.tokens.get("ptk_1")
    assert found is not None and isinstance(found.created_at, str)
    moment = datetime.fromisoformat(found.created_at)
    assert moment.utcoffset() == timedelta(0)
    assert before <= moment <= datetime.now(UTC) + timedelta(seconds=5)
    assert [t.created_at for t in stores.tokens.all()] == [found.created_at]


def test_the_store_keeps_its_own_copy_of_the_controls(stores: Stores) -> None:
    """What was stored does not change when the caller's dicts do (as on SQL, where it is JSON)."""
    given = controls()
    stores.tokens.add(token("ptk_1", controls=given))
    given["max_uses"] = 99
    given["channels"].append("atm")
    read = stores.tokens.get("ptk_1")
    assert read is not None
    read.controls["per_use_max"] = "0.01"
    again = stores.tokens.get("ptk_1")
    assert again is not None and again.controls == controls()
