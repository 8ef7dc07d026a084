"""The EventLog contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fengkong.bootstrap import Stores
from fengkong.domain.decisions import Decision, Outcome, Reason
from fengkong.domain.errors import Conflict
from fengkong.domain.events import Event, EventType
from fengkong.domain.ports import EVENT_COLUMNS, RejectedRecord
from tests.contract.conftest import ALL_BACKENDS

BACKENDS = ALL_BACKENDS


def make(i: int, decision: str = "approve", **fields: object) -> tuple[Event, Decision]:
    at = datetime(2019, 12, 12, 3, 23, i % 60, tzinfo=UTC)
    event = Event(
        f"e{i}",
        EventType.TRANSACTION,
        at,
        at.timestamp(),
        {"amount": Decimal("12.30"), "customer_id": "c1", "txn_type": "purchase", "channel": "pos", **fields},
        1230,
    )
    reason = Reason("CODE", "r.1", "中文", "English", Outcome(decision), 55.5)
    return event, Decision(f"e{i}", Outcome(decision), 55.5, (reason,), ruleset_version="v1")


def test_append_returns_increasing_positions_and_replays_in_order(stores: Stores) -> None:
    log = stores.events
    with stores.uow.atomic():
        first = log.append([make(1), make(2)])
    with stores.uow.atomic():
        second = log.append([make(3, "reject")])
    assert second > first > 0
    replayed = list(log.replay(0))
    assert [r.record["event_id"] for r in replayed] == ["e1", "e2", "e3"]
    assert replayed[0].record["amount"] == "12.30"
    assert replayed[2].decision["decision"] == "reject"
    assert [r.record["event_id"] for r in log.replay(replayed[1].seq)] == ["e3"]
    assert log.last_seq() == second and log.count() == 3


def test_replay_crosses_pages(stores: Stores) -> None:
    with stores.uow.atomic():
        stores.events.append([make(i) for i in range(4500)])
    seqs = [r.seq for r in stores.events.replay(0)]
    assert len(seqs) == 4500 and seqs == sorted(seqs) and len(set(seqs)) == 4500


def test_decisions_and_events_are_found_by_event_id(stores: Stores) -> None:
    log = stores.events
    log.append([make(1), make(2, "review")])
    found = log.find_decisions(["e2", "e9", "e1"])
    assert set(found) == {"e1", "e2"}
    assert found["e2"]["decision"] == "review"
    assert found["e2"]["reasons"][0]["message_zh"] == "中文"
    assert Decision.from_dict(found["e2"]).score == 55.5
    events = log.find_events(["e1", "nope"])
    assert list(events) == ["e1"] and events["e1"].record["customer_id"] == "c1"


def test_an_event_id_is_stored_once_and_a_failed_batch_leaves_nothing(stores: Stores) -> None:
    log = stores.events
    log.append([make(1)])
    with pytest.raises(Conflict):
        with stores.uow.atomic():
            log.append([make(2), make(1)])
    assert log.count() == 1 and log.find_decisions(["e2"]) == {}
    log.append([make(2)])
    assert log.count() == 2


def test_rejected_events_are_kept_with_their_reason_newest_first(stores: Stores) -> None:
    log = stores.events
    now = datetime.now(UTC).isoformat()
    log.append([], [RejectedRecord("x1", "amount", "amount: must be greater than 0", '{"amount": -5}', 14, now)])
    log.append([], [RejectedRecord(None, "(json)", "invalid JSON", "{", 1, now)])
    newest, oldest = log.rejected()
    assert (oldest.event_id, oldest.field, oldest.raw_size) == ("x1", "amount", 14)
    assert "greater than 0" in oldest.message and newest.field == "(json)"
    assert [r.field for r in log.rejected(1)] == ["(json)"]
    assert log.count() == 0


def test_snapshots_are_per_fingerprint(stores: Stores) -> None:
    log = stores.events
    assert log.load_snapshot("fp") is None
    log.save_snapshot("fp", 10, {"card|1": {"n": [1, 2]}})
    log.save_snapshot("fp", 12, {"card|1": {"n": [1, 3]}})
    assert log.load_snapshot("fp") == (12, {"card|1": {"n": [1, 3]}})
    assert log.load_snapshot("other") is None


def test_ruleset_versions_are_archived_once(stores: Stores) -> None:
    log = stores.events
    log.record_ruleset("v1", ["a.yaml"])
    log.record_ruleset("v1", ["a.yaml", "changed.yaml"])  # the first archive of a version stays
    log.record_ruleset("v2", ["a.yaml", "b.yaml"])
    assert log.rulesets() == [("v1", ["a.yaml"]), ("v2", ["a.yaml", "b.yaml"])]


def test_columns_flatten_events_for_analytics(stores: Stores) -> None:
    log = stores.events
    log.append(
        [make(1, merchant_id="m-1", location={"city": "Macau", "lat": 22.19}), make(2, "reject", card_id="ctk_9")]
    )
    rows = log.columns(0, ["merchant_id", "location.city", "label"], 10)
    assert len(rows) == 2 and all(len(r) == len(EVENT_COLUMNS) + 3 for r in rows)
    first = dict(zip([*EVENT_COLUMNS, "merchant_id", "city", "label"], rows[0], strict=True))
    assert first["event_id"] == "e1" and first["type"] == "transaction" and first["decision"] == "approve"
    assert first["amount_fen"] == 1230 and first["customer_id"] == "c1"
    assert (first["merchant_id"], first["city"], first["label"]) == ("m-1", "Macau", None)
    second = dict(zip(EVENT_COLUMNS, rows[1], strict=False))
    assert second["card_id"] == "ctk_9" and second["decision"] == "reject"
    assert log.columns(int(first["seq"]), ["label"], 10)[0][1] == "e2"
    assert log.columns(0, ["label"], 1)[0][1] == "e1"
