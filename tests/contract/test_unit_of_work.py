"""The UnitOfWork contract across stores, over every adapter (memory, SQLite file and in memory,
PostgreSQL): what one `atomic()` block writes to the event log, the transfer log, the lists and
the audit log is committed together or not at all; blocks nest; `on_commit` actions run only
after the outermost commit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fengkong.bootstrap import Stores
from fengkong.domain.decisions import Decision, Outcome, Reason
from fengkong.domain.errors import Conflict
from fengkong.domain.events import Event, EventType
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.tracing import Transfer
from tests.contract.conftest import ALL_BACKENDS

BACKENDS = ALL_BACKENDS

TS = datetime(2019, 12, 12, 3, 23, 0, tzinfo=UTC).timestamp()


class Boom(Exception):
    pass


def make(i: int) -> tuple[Event, Decision]:
    at = datetime(2019, 12, 12, 3, 23, i % 60, tzinfo=UTC)
    fields = {
        "amount": Decimal("12.30"),
        "customer_id": "c1",
        "account_id": f"a{i}",
        "counterparty_account_id": f"b{i}",
        "txn_type": "transfer",
        "channel": "mobile_banking",
    }
    event = Event(f"e{i}", EventType.TRANSACTION, at, at.timestamp(), fields, 1230)
    reason = Reason("CODE", "r.1", "中文", "English", Outcome.APPROVE, 10.0)
    return event, Decision(f"e{i}", Outcome.APPROVE, 10.0, (reason,), ruleset_version="v1")


def entry(value: str) -> ListEntry:
    return ListEntry(0, "block_card", f"key-{value}", value, "manual", "fraud", "case-1", "analyst-1", TS, None)


def write_all(stores: Stores, i: int) -> None:
    """One write to each of four stores, for event `e{i}`."""
    stores.events.append([make(i)])
    stores.transfers.record([(Transfer(f"e{i}", TS + i, f"a{i}", f"b{i}", 1230), "approve")])
    stores.lists.add(entry(f"v{i}"))
    stores.audit.append("analyst-1", "list.add", f"list:v{i}", "fraud", {"i": i})


def kept(stores: Stores, i: int) -> tuple[bool, bool, bool, bool]:
    """Whether each of the four writes of `write_all(stores, i)` is there."""
    return (
        f"e{i}" in stores.events.find_events([f"e{i}"]),
        stores.transfers.get(f"e{i}") is not None,
        bool(stores.lists.find("block_card", f"key-v{i}")),
        any(r.subject == f"list:v{i}" for r in stores.audit.records()),
    )


NOTHING = (False, False, False, False)
EVERYTHING = (True, True, True, True)


def test_a_block_that_raises_leaves_none_of_its_writes(stores: Stores) -> None:
    with pytest.raises(Boom), stores.uow.atomic():
        write_all(stores, 1)
        assert kept(stores, 1) == EVERYTHING  # a block reads its own writes
        raise Boom
    assert kept(stores, 1) == NOTHING
    assert stores.events.count() == 0 and stores.events.last_seq() == 0
    assert stores.transfers.outgoing(["a1"], 0, TS + 100) == []
    assert stores.lists.all() == []
    assert stores.audit.records() == []


def test_a_block_that_ends_keeps_all_of_its_writes(stores: Stores) -> None:
    with stores.uow.atomic():
        write_all(stores, 1)
        write_all(stores, 2)
    assert kept(stores, 1) == EVERYTHING and kept(stores, 2) == EVERYTHING
    assert stores.events.count() == 2
    assert [t.event_id for t in stores.transfers.outgoing(["a1", "a2"], 0, TS + 100)] == ["e1", "e2"]
    assert sorted(e.display for e in stores.lists.all()) == ["v1", "v2"]
    assert [r.seq for r in stores.audit.records()] == [1, 2] and stores.audit.verify().ok


def test_a_store_that_fails_inside_the_block_takes_the_other_writes_back(stores: Stores) -> None:
    stores.events.append([make(1)])
    with pytest.raises(Conflict), stores.uow.atomic():
        stores.transfers.record([(Transfer("e2", TS, "a2", "b2", 1230), "approve")])
        stores.lists.add(entry("v2"))
        stores.audit.append("analyst-1", "list.add", "list:v2", "fraud", {})
        stores.events.append([make(2), make(1)])  # e1 is stored already
    assert kept(stores, 2) == NOTHING
    assert stores.events.count() == 1
    write_all(stores, 3)  # the stores work on after the rollback
    assert kept(stores, 3) == EVERYTHING
    assert [r.seq for r in stores.audit.records()] == [1] and stores.audit.verify().ok


def test_a_rollback_leaves_earlier_commits_alone(stores: Stores) -> None:
    with stores.uow.atomic():
        write_all(stores, 1)
    with pytest.raises(Boom), stores.uow.atomic():
        write_all(stores, 2)
        raise Boom
    assert kept(stores, 1) == EVERYTHING and kept(stores, 2) == NOTHING
    with stores.uow.atomic():
        write_all(stores, 3)
    assert kept(stores, 3) == EVERYTHING
    assert [r.subject for r in stores.audit.records()] == ["list:v1", "list:v3"] and stores.audit.verify().ok
    assert sorted(e.display for e in stores.lists.all()) == ["v1", "v3"]


def test_an_exception_escaping_an_inner_block_rolls_back_the_outer_block(stores: Stores) -> None:
    with pytest.raises(Boom), stores.uow.atomic():
        write_all(stores, 1)
        with stores.uow.atomic():
            write_all(stores, 2)
            raise Boom
    assert kept(stores, 1) == NOTHING and kept(stores, 2) == NOTHING
    assert stores.events.count() == 0 and stores.audit.records() == []


def test_an_inner_block_commits_only_with_the_outer_block(stores: Stores) -> None:
    with pytest.raises(Boom), stores.uow.atomic():
        with stores.uow.atomic():
            write_all(stores, 1)
        with stores.uow.atomic(), stores.uow.atomic():
            write_all(stores, 2)
        raise Boom  # after the inner blocks ended: their writes go with the outer block
    assert kept(stores, 1) == NOTHING and kept(stores, 2) == NOTHING
    with stores.uow.atomic():
        with stores.uow.atomic():
            write_all(stores, 3)
        write_all(stores, 4)
    assert kept(stores, 3) == EVERYTHING and kept(stores, 4) == EVERYTHING


def test_on_commit_actions_run_once_in_order_after_the_outermost_commit(stores: Stores) -> None:
    ran: list[tuple[str, int]] = []

    def action(name: str) -> None:
        ran.append((name, stores.events.count()))  # what the action sees is committed

    with stores.uow.atomic():
        stores.uow.on_commit(lambda: action("first"))
        write_all(stores, 1)
        with stores.uow.atomic():
            stores.uow.on_commit(lambda: action("inner"))
            write_all(stores, 2)
        assert ran == []  # the inner block ended, nothing is committed yet
        stores.uow.on_commit(lambda: action("last"))
        assert ran == []
    assert ran == [("first", 2), ("inner", 2), ("last", 2)]
    with stores.uow.atomic():
        write_all(stores, 3)
    assert ran == [("first", 2), ("inner", 2), ("last", 2)]  # each ran once


def test_on_commit_actions_never_run_after_a_rollback(stores: Stores) -> None:
    ran: list[str] = []
    with pytest.raises(Boom), stores.uow.atomic():
        stores.uow.on_commit(lambda: ran.append("outer"))
        with stores.uow.atomic():
            stores.uow.on_commit(lambda: ran.append("inner"))
        write_all(stores, 1)
        raise Boom
    assert ran == []
    with stores.uow.atomic():  # nor with the next block that commits
        stores.uow.on_commit(lambda: ran.append("next"))
        write_all(stores, 2)
    assert ran == ["next"]
    with pytest.raises(Conflict), stores.uow.atomic():
        stores.uow.on_commit(lambda: ran.append("conflict"))
        stores.events.append([make(2)])
    assert ran == ["next"]


def test_on_commit_outside_a_block_runs_at_once(stores: Stores) -> None:
    ran: list[str] = []
    stores.uow.on_commit(lambda: ran.append("a"))
    assert ran == ["a"]
    stores.uow.on_commit(lambda: ran.append("b"))
    assert ran == ["a", "b"]
    with stores.uow.atomic():
        stores.uow.on_commit(lambda: ran.append("c"))
        assert ran == ["a", "b"]
    stores.uow.on_commit(lambda: ran.append("d"))
    assert ran == ["a", "b", "c", "d"]
