"""The EventLog contract, run against SQLite and PostgreSQL (real server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fengkong.adapters.storage.sql import SqlEventLog
from sqlalchemy.exc import IntegrityError

from fengkong.domain.decisions import Decision, Outcome, Reason
from fengkong.domain.events import Event, EventType
from fengkong.domain.ports import RejectedRecord


@pytest.fixture(params=["sqlite", "postgres"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlEventLog]:
    url = f"sqlite:///{tmp_path / 'log.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    event_log = SqlEventLog(url)
    yield event_log
    event_log.close()


def make(i: int, decision: str = "approve") -> tuple[Event, Decision]:
    at = datetime(2019, 12, 12, 3, 23, i % 60, tzinfo=UTC)
    event = Event(f"e{i}", EventType.TRANSACTION, at, at.timestamp(),
                  {"amount": Decimal("12.30"), "customer_id": "c1", "txn_type": "purchase", "channel": "pos"}, 1230)
    reason = Reason("CODE", "r.1", "中文", "English", Outcome(decision), 55.5)
    return event, Decision(f"e{i}", Outcome(decision), 55.5, (reason,), ruleset_version="v1")


def test_append_returns_increasing_positions_and_replays_in_order(log: SqlEventLog) -> None:
    first = log.append([make(1), make(2)])
    second = log.append([make(3, "reject")])
    assert second > first > 0
    replayed = list(log.replay(0))
    assert [r.record["event_id"] for r in replayed] == ["e1", "e2", "e3"]
    assert replayed[0].record["amount"] == "12.30"
    assert replayed[2].decision["decision"] == "reject"
    assert [r.record["event_id"] for r in log.replay(replayed[1].seq)] == ["e3"]
    assert log.last_seq() == second and log.count() == 3


def test_decisions_are_found_by_event_id(log: SqlEventLog) -> None:
    log.append([make(1), make(2, "review")])
    found = log.find_decisions(["e2", "e9", "e1"])
    assert set(found) == {"e1", "e2"}
    assert found["e2"]["decision"] == "review"
    assert found["e2"]["reasons"][0]["message_zh"] == "中文"
    assert Decision.from_dict(found["e2"]).score == 55.5


def test_an_event_id_is_stored_once(log: SqlEventLog) -> None:
    log.append([make(1)])
    with pytest.raises(IntegrityError):
        log.append([make(1)])
    assert log.count() == 1  # the failed batch left nothing behind
    log.append([make(2)])
    assert log.count() == 2


def test_rejected_events_are_kept_with_their_reason(log: SqlEventLog) -> None:
    now = datetime.now(UTC).isoformat()
    log.append([], [RejectedRecord("x1", "amount", "amount: must be greater than 0", '{"amount": -5}', 14, now)])
    (record,) = log.rejected()
    assert (record.event_id, record.field, record.raw_size) == ("x1", "amount", 14)
    assert "greater than 0" in record.message
    assert log.count() == 0


def test_snapshots_are_per_fingerprint(log: SqlEventLog) -> None:
    assert log.load_snapshot("fp") is None
    log.save_snapshot("fp", 10, {"card|1": {"n": [1, 2]}})
    log.save_snapshot("fp", 12, {"card|1": {"n": [1, 3]}})
    assert log.load_snapshot("fp") == (12, {"card|1": {"n": [1, 3]}})
    assert log.load_snapshot("other") is None


def test_ruleset_versions_are_archived_once(log: SqlEventLog) -> None:
    log.record_ruleset("v1", ["a.yaml"])
    log.record_ruleset("v1", ["a.yaml"])
    log.record_ruleset("v2", ["a.yaml", "b.yaml"])
