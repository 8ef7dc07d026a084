"""The MerchantStore contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from fengkong.bootstrap import Stores


def merchant(name: str = "Golden Dragon 金龙", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "mcc": "5812",
        "risk": {"level": "low", "score": 12.5, "flags": ["new", "cross-border"]},
        "terminals": [{"id": "t-1", "geo": {"lat": 22.19, "lon": 113.54}}, {"id": "t-2", "geo": None}],
        "active": True,
        "limits": {"daily": "50000.00"},
        **extra,
    }


def test_put_then_get_round_trips_a_nested_record(stores: Stores) -> None:
    stores.merchants.put("merchant", "m-1", merchant(), "active", "idhash-1")
    assert stores.merchants.get("merchant", "m-1") == merchant()
    assert stores.merchants.get("merchant", "m-2") is None
    assert stores.merchants.get("terminal", "m-1") is None  # the kind is part of the key


def test_kinds_are_separate_namespaces(stores: Stores) -> None:
    stores.merchants.put("merchant", "x-1", merchant("as merchant"), "active")
    stores.merchants.put("terminal", "x-1", {"merchant_id": "m-1", "serial": "SN-1"}, "active")
    assert stores.merchants.get("merchant", "x-1") == merchant("as merchant")
    assert stores.merchants.get("terminal", "x-1") == {"merchant_id": "m-1", "serial": "SN-1"}


def test_put_again_replaces_the_record(stores: Stores) -> None:
    merchants = stores.merchants
    merchants.put("merchant", "m-1", merchant(), "active", "idhash-1")
    merchants.put("merchant", "m-1", {"name": "renamed", "risk": {"level": "high"}}, "suspended", "idhash-2")
    assert merchants.get("merchant", "m-1") == {"name": "renamed", "risk": {"level": "high"}}
    assert merchants.all() == [("merchant", "m-1", {"name": "renamed", "risk": {"level": "high"}})]
    # the identity hash is replaced too
    assert merchants.count_identity("merchant", "idhash-1", "other") == 0
    assert merchants.count_identity("merchant", "idhash-2", "other") == 1


def test_all_lists_every_record_optionally_of_one_kind(stores: Stores) -> None:
    merchants = stores.merchants
    assert merchants.all() == [] and merchants.all("merchant") == []
    merchants.put("merchant", "m-2", merchant("two"), "active")
    merchants.put("terminal", "t-1", {"merchant_id": "m-2"}, "active")
    merchants.put("merchant", "m-1", merchant("one"), "suspended")
    assert sorted(merchants.all()) == [
        ("merchant", "m-1", merchant("one")),
        ("merchant", "m-2", merchant("two")),
        ("terminal", "t-1", {"merchant_id": "m-2"}),
    ]
    assert sorted(merchants.all("merchant")) == [
        ("merchant", "m-1", merchant("one")),
        ("merchant", "m-2", merchant("two")),
    ]
    assert merchants.all("terminal") == [("terminal", "t-1", {"merchant_id": "m-2"})]
    assert merchants.all("acquirer") == []


def test_count_identity_counts_other_records_of_the_kind_with_the_same_identity(stores: Stores) -> None:
    merchants = stores.merchants
    merchants.put("merchant", "m-1", merchant(), "active", "same")
    merchants.put("merchant", "m-2", merchant(), "suspended", "same")
    merchants.put("merchant", "m-3", merchant(), "active", "same")
    merchants.put("merchant", "m-4", merchant(), "active", "different")
    merchants.put("merchant", "m-5", merchant(), "active")  # no identity
    merchants.put("terminal", "t-1", {"merchant_id": "m-1"}, "active", "same")  # another kind
    assert merchants.count_identity("merchant", "same", "m-1") == 2
    assert merchants.count_identity("merchant", "same", "m-9") == 3
    assert merchants.count_identity("merchant", "different", "m-4") == 0
    assert merchants.count_identity("merchant", "different", "m-1") == 1
    assert merchants.count_identity("merchant", "unknown", "m-1") == 0
    assert merchants.count_identity("terminal", "same", "t-2") == 1
    assert merchants.count_identity("terminal", "same", "t-1") == 0


def test_stamp_moves_on_every_put_and_not_on_reads(stores: Stores) -> None:
    merchants = stores.merchants
    seen = [merchants.stamp()]
    assert merchants.stamp() == seen[0]
    merchants.put("merchant", "m-1", merchant(), "active")
    seen.append(merchants.stamp())
    merchants.get("merchant", "m-1")
    merchants.all()
    merchants.all("terminal")
    merchants.count_identity("merchant", "x", "m-1")
    assert merchants.stamp() == seen[-1]
    merchants.put("merchant", "m-1", merchant(), "active")  # the same record again is still a write
    seen.append(merchants.stamp())
    merchants.put("terminal", "t-1", {"merchant_id": "m-1"}, "active")
    seen.append(merchants.stamp())
    assert len(set(seen)) == 4


def test_the_store_keeps_its_own_copy_of_the_record(stores: Stores) -> None:
    given = merchant()
    stores.merchants.put("merchant", "m-1", given, "active")
    given["risk"]["flags"].append("changed")
    read = stores.merchants.get("merchant", "m-1")
    assert read is not None
    read["name"] = "changed"
    assert stores.merchants.get("merchant", "m-1") == merchant()
    assert stores.merchants.all() == [("merchant", "m-1", merchant())]


def test_a_put_in_a_block_that_rolls_back_is_not_kept(stores: Stores) -> None:
    merchants = stores.merchants
    merchants.put("merchant", "m-1", merchant("kept"), "active", "same")
    with pytest.raises(RuntimeError), stores.uow.atomic():
        merchants.put("merchant", "m-1", merchant("replaced"), "active", "other")
        merchants.put("merchant", "m-2", merchant("added"), "active", "same")
        raise RuntimeError("roll back")
    assert merchants.all() == [("merchant", "m-1", merchant("kept"))]
    assert merchants.count_identity("merchant", "same", "m-9") == 1
