"""The ChangeRequests (maker-checker) contract, over every adapter (memory, SQLite file and in
memory, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from fengkong.bootstrap import Stores

PAYLOAD = {
    "entry_id": 42,
    "ratio": 0.125,
    "until": None,
    "flags": [True, False, None],
    "penalty": {
        "days": 30,
        "amount_fen": 9_007_199_254_740_993,
        "note": "中文 note",
        "nested": {"deep": [1, {"x": None}]},
    },
}


def test_create_then_get_and_pending(stores: Stores) -> None:
    requests = stores.requests
    created = requests.create("remove_entry", {"entry_id": 7}, "alice", "false positive")
    assert created.id > 0
    assert (created.action, created.payload, created.maker, created.reason) == (
        "remove_entry",
        {"entry_id": 7},
        "alice",
        "false positive",
    )
    assert (created.status, created.checker, created.checker_note) == ("pending", None, None)
    assert requests.get(created.id) == created
    assert requests.pending() == [created]
    other = requests.create("change_penalty", {"days": 3}, "bob", "appeal upheld")
    assert other.id != created.id
    assert sorted(r.id for r in requests.pending()) == sorted([created.id, other.id])
    assert requests.get(max(created.id, other.id) + 1000) is None


def test_decide_moves_a_pending_request_exactly_once(stores: Stores) -> None:
    requests = stores.requests
    approved = requests.create("remove_entry", {"entry_id": 1}, "alice", "r1")
    rejected = requests.create("remove_entry", {"entry_id": 2}, "alice", "r2")
    assert requests.decide(approved.id, "approved", "carol", "checked the file") is True
    assert requests.decide(rejected.id, "rejected", "dave", "evidence stands") is True
    got = requests.get(approved.id)
    assert got is not None and (got.status, got.checker, got.checker_note) == ("approved", "carol", "checked the file")
    assert (got.action, got.payload, got.maker, got.reason) == ("remove_entry", {"entry_id": 1}, "alice", "r1")
    # A second decision, either way, is refused and changes nothing.
    assert requests.decide(approved.id, "rejected", "eve", "too late") is False
    assert requests.decide(rejected.id, "approved", "eve", "too late") is False
    got = requests.get(approved.id)
    assert got is not None and (got.status, got.checker, got.checker_note) == ("approved", "carol", "checked the file")
    got = requests.get(rejected.id)
    assert got is not None and (got.status, got.checker, got.checker_note) == ("rejected", "dave", "evidence stands")
    assert requests.decide(rejected.id + 1000, "approved", "eve", "no such request") is False


def test_pending_excludes_decided_requests(stores: Stores) -> None:
    requests = stores.requests
    made = [requests.create("remove_entry", {"entry_id": i}, "alice", f"r{i}") for i in range(4)]
    requests.decide(made[0].id, "approved", "carol", "ok")
    requests.decide(made[2].id, "rejected", "carol", "no")
    pending = requests.pending()
    assert sorted(r.id for r in pending) == [made[1].id, made[3].id]
    assert {r.status for r in pending} == {"pending"}
    assert sorted(r.payload["entry_id"] for r in pending) == [1, 3]


def test_payload_round_trips(stores: Stores) -> None:
    requests = stores.requests
    created = requests.create("change_penalty", PAYLOAD, "alice", "reason")
    got = requests.get(created.id)
    assert got is not None and got.payload == PAYLOAD
    assert isinstance(got.payload["ratio"], float) and isinstance(got.payload["entry_id"], int)
    assert [r.payload for r in requests.pending()] == [PAYLOAD]
    assert requests.create("remove_entry", {}, "alice", "empty").payload == {}


def test_created_at_is_iso_8601_with_a_utc_offset(stores: Stores) -> None:
    before = datetime.now(UTC)
    created = stores.requests.create("remove_entry", {"entry_id": 1}, "alice", "r")
    after = datetime.now(UTC)
    got = stores.requests.get(created.id)
    assert got is not None
    for request in (created, got):
        moment = datetime.fromisoformat(request.created_at)
        assert moment.utcoffset() is not None, request.created_at
        assert before <= moment <= after
    assert datetime.fromisoformat(got.created_at) == datetime.fromisoformat(created.created_at)
