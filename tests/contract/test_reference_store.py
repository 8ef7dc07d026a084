"""The ReferenceStore contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fengkong.bootstrap import Stores

LIMITS = {"daily_fen": 5_000_000, "single_fen": 1_000_000, "channels": ["pos", "online"], "note": None}


def backend(request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["stores"])


def test_put_inserts_updates_and_removes(stores: Stores) -> None:
    ref = stores.reference
    inserted = ref.put("customer_limits", "c1", LIMITS, "alice", "customer asked")
    assert (inserted.kind, inserted.entity_id, inserted.record, inserted.version) == (
        "customer_limits",
        "c1",
        LIMITS,
        1,
    )
    assert (inserted.changed_by, inserted.reason) == ("alice", "customer asked")
    assert ref.load() == {("customer_limits", "c1"): LIMITS}
    updated = ref.put("customer_limits", "c1", {**LIMITS, "daily_fen": 100}, "bob", "lowered")
    assert (updated.version, updated.record) == (2, {**LIMITS, "daily_fen": 100})
    assert ref.load() == {("customer_limits", "c1"): {**LIMITS, "daily_fen": 100}}
    removed = ref.put("customer_limits", "c1", None, "carol", "account closed")
    assert (removed.record, removed.version, removed.changed_by) == (None, 3, "carol")
    assert ref.load() == {}


def test_version_keeps_counting_after_a_removal(stores: Stores) -> None:
    ref = stores.reference
    ref.put("customer_limits", "c1", LIMITS, "alice", "set")
    ref.put("customer_limits", "c1", None, "alice", "removed")
    again = ref.put("customer_limits", "c1", {"daily_fen": 1}, "alice", "set again")
    assert again.version == 3
    assert [c.version for c in ref.history("customer_limits", "c1")] == [1, 2, 3]


def test_history_is_every_change_in_order(stores: Stores) -> None:
    ref = stores.reference
    before = datetime.now(UTC)
    made = [
        ref.put("account_agreement", "a1", {"max_fen": 1}, "alice", "opened"),
        ref.put("account_agreement", "a2", {"max_fen": 9}, "alice", "another account"),
        ref.put("account_agreement", "a1", {"max_fen": 2, "payees": ["x", "y"]}, "bob", "raised"),
        ref.put("cashout_disposition", "a1", {"action": "freeze"}, "carol", "another kind, same id"),
        ref.put("account_agreement", "a1", None, "dave", "agreement ended"),
    ]
    after = datetime.now(UTC)
    history = ref.history("account_agreement", "a1")
    assert [(c.version, c.changed_by, c.reason, c.record) for c in history] == [
        (1, "alice", "opened", {"max_fen": 1}),
        (2, "bob", "raised", {"max_fen": 2, "payees": ["x", "y"]}),
        (3, "dave", "agreement ended", None),
    ]
    assert {(c.kind, c.entity_id) for c in history} == {("account_agreement", "a1")}
    for change, returned in zip(history, (made[0], made[2], made[4]), strict=True):
        assert datetime.fromisoformat(change.changed_at) == datetime.fromisoformat(returned.changed_at)
    times = [datetime.fromisoformat(c.changed_at) for c in history]
    assert all(t.utcoffset() is not None and before <= t <= after for t in times) and times == sorted(times)
    assert [c.record for c in ref.history("cashout_disposition", "a1")] == [{"action": "freeze"}]
    assert ref.history("account_agreement", "nobody") == []


def test_load_returns_every_current_record_by_kind_and_id(stores: Stores) -> None:
    ref = stores.reference
    assert ref.load() == {}
    ref.put("customer_limits", "c1", LIMITS, "alice", "r")
    ref.put("customer_limits", "c2", {"daily_fen": 7}, "alice", "r")
    ref.put("account_agreement", "c1", {"max_fen": 3}, "alice", "r")  # same id, another kind
    ref.put("customer_limits", "c2", {"daily_fen": 8}, "alice", "r")
    ref.put("cashout_disposition", "x", {"action": "watch"}, "alice", "r")
    ref.put("cashout_disposition", "x", None, "alice", "r")
    assert ref.load() == {
        ("customer_limits", "c1"): LIMITS,
        ("customer_limits", "c2"): {"daily_fen": 8},
        ("account_agreement", "c1"): {"max_fen": 3},
    }


def test_stamp_moves_on_every_put(stores: Stores) -> None:
    ref = stores.reference
    seen = [ref.stamp()]
    ref.put("customer_limits", "c1", LIMITS, "alice", "r")
    seen.append(ref.stamp())
    ref.put("customer_limits", "c1", LIMITS, "alice", "the same record again")
    seen.append(ref.stamp())
    ref.load(), ref.history("customer_limits", "c1")
    assert ref.stamp() == seen[-1]  # reads leave it alone
    ref.put("customer_limits", "c1", None, "alice", "removed")
    seen.append(ref.stamp())
    assert len(set(seen)) == 4, seen
