"""The AuditLog contract, over every adapter (memory, SQLite file and in memory, PostgreSQL).

Tampering with stored rows is adapter-specific and is covered by a scenario test on SQLite."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from fengkong.adapters.crypto.sm3 import sm3_hex
from fengkong.bootstrap import Stores
from fengkong.domain.audit import GENESIS, canonical, digest


def test_append_chains_records_from_genesis(stores: Stores) -> None:
    audit = stores.audit
    first = audit.append("alice", "list.add", "block_card:1", "fraud report", {"entry_id": 1})
    second = audit.append("bob", "list.remove", "block_card:1", "false positive", {"entry_id": 1, "by": "bob"})
    third = audit.append("carol", "limit.set", "customer:c1", "request", ["a", 1, None])
    assert [r.seq for r in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3 and GENESIS not in {first.hash, second.hash, third.hash}
    assert (second.actor, second.action, second.subject, second.reason) == (
        "bob",
        "list.remove",
        "block_card:1",
        "false positive",
    )
    assert datetime.fromisoformat(first.at).utcoffset() is not None
    assert audit.records() == [first, second, third]


def test_records_pages_by_sequence(stores: Stores) -> None:
    audit = stores.audit
    made = [audit.append("alice", "act", f"obj:{i}", "r", {"i": i}) for i in range(7)]
    assert audit.records() == made
    assert audit.records(after=0, limit=3) == made[:3]
    assert audit.records(after=3, limit=3) == made[3:6]
    assert audit.records(after=6, limit=3) == made[6:]
    assert audit.records(after=5) == made[5:]
    assert audit.records(after=7) == [] and audit.records(limit=0) == []
    pages, after = [], 0
    while page := audit.records(after, 2):
        pages.append([r.seq for r in page])
        after = page[-1].seq
    assert pages == [[1, 2], [3, 4], [5, 6], [7]]


def test_verify_an_untouched_chain(stores: Stores) -> None:
    audit = stores.audit
    empty = audit.verify()
    assert (empty.ok, empty.rows, empty.first_bad_seq) == (True, 0, None)
    for i in range(5):
        audit.append("alice", "act", f"obj:{i}", "r", {"i": i, "金额": "12.30"})
    check = audit.verify()
    assert (check.ok, check.rows, check.first_bad_seq, check.problem) == (True, 5, None, "")


def test_payload_is_canonical_json(stores: Stores) -> None:
    audit = stores.audit
    one = audit.append("alice", "act", "obj", "r", {"b": 1, "a": {"y": [2, 1], "x": "中文"}})
    two = audit.append("alice", "act", "obj", "r", {"a": {"x": "中文", "y": [2, 1]}, "b": 1})
    assert one.payload == two.payload == '{"a":{"x":"中文","y":[2,1]},"b":1}'
    assert json.loads(one.payload) == {"a": {"x": "中文", "y": [2, 1]}, "b": 1}
    # The hash covers the canonical text, so the order the keys were given in does not change it.
    for given in ({"b": 1, "a": {"y": [2, 1], "x": "中文"}}, {"a": {"x": "中文", "y": [2, 1]}, "b": 1}):
        body = canonical(given)
        assert (
            digest(one.seq, one.at, one.actor, one.action, one.subject, one.reason, body, one.prev_hash, sm3_hex)
            == one.hash
        )
    assert audit.append("alice", "act", "obj", "r", {"amount": Decimal("12.30")}).payload == '{"amount":"12.30"}'
    assert [r.payload for r in audit.records(after=1)] == [two.payload, '{"amount":"12.30"}']
