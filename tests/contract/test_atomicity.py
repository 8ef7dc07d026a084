"""The unit of work over six stores, on every adapter (memory, SQLite file and in memory,
PostgreSQL): what a block writes is gone if the block raises, and `on_commit` actions run only
after a commit, never after a rollback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from fengkong.bootstrap import Stores
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.tracing import Transfer
from tests.contract.conftest import ALL_BACKENDS

BACKENDS = ALL_BACKENDS

T0 = 1_700_000_000.0


@dataclass(frozen=True)
class Case:
    """One write to a store, and what its port shows before and after it."""

    write: Callable[[Stores], object]
    observe: Callable[[Stores], Any]
    empty: Any
    written: Any


CASES = {
    "lists": Case(
        lambda s: s.lists.add(ListEntry(0, "block_card", "k1", "6222****1234", "manual", "r", "e", "alice", T0, None)),
        lambda s: (
            [(e.list_type, e.match_key) for e in s.lists.all()],
            [e.reason for e in s.lists.find("block_card", "k1")],
        ),
        ([], []),
        ([("block_card", "k1")], ["r"]),
    ),
    "requests": Case(
        lambda s: s.requests.create("remove_entry", {"entry_id": 7}, "alice", "r"),
        lambda s: [(r.action, r.payload, r.maker) for r in s.requests.pending()],
        [],
        [("remove_entry", {"entry_id": 7}, "alice")],
    ),
    "audit": Case(
        lambda s: s.audit.append("alice", "list.add", "block_card:1", "r", {"entry_id": 1}),
        lambda s: ([(r.seq, r.subject) for r in s.audit.records()], s.audit.verify().rows),
        ([], 0),
        ([(1, "block_card:1")], 1),
    ),
    "transfers": Case(
        lambda s: s.transfers.record([(Transfer("t1", T0, "a", "b", 100), "approve")]),
        lambda s: (s.transfers.get("t1"), s.transfers.outgoing(["a"], T0, T0)),
        (None, []),
        (Transfer("t1", T0, "a", "b", 100), [Transfer("t1", T0, "a", "b", 100)]),
    ),
    "sharing": Case(
        lambda s: (
            s.sharing.add_report("bank-a", "card", "h" * 64, "fraud"),
            s.sharing.log_query("bank-b", "card", "h" * 64, True),
        ),
        lambda s: (
            s.sharing.has_reported("bank-a"),
            [r.risk_type for r in s.sharing.reports_about("card", "h" * 64)],
            [q.institution_id for q in s.sharing.queries()],
        ),
        (False, [], []),
        (True, ["fraud"], ["bank-b"]),
    ),
    "reference": Case(
        lambda s: s.reference.put("customer_limits", "c1", {"daily_fen": 500}, "alice", "r"),
        lambda s: (s.reference.load(), [c.version for c in s.reference.history("customer_limits", "c1")]),
        ({}, []),
        ({("customer_limits", "c1"): {"daily_fen": 500}}, [1]),
    ),
}


class Boom(Exception):
    pass


@pytest.mark.parametrize("store", CASES)
def test_a_block_that_raises_leaves_nothing_and_runs_no_commit_action(stores: Stores, store: str) -> None:
    case = CASES[store]
    ran: list[Any] = []
    assert case.observe(stores) == case.empty
    with pytest.raises(Boom):
        with stores.uow.atomic():
            with stores.uow.atomic():  # an inner block that ends well joins the outer one: no commit yet
                case.write(stores)
                stores.uow.on_commit(lambda: ran.append(case.observe(stores)))
            assert case.observe(stores) == case.written  # the block reads its own writes
            raise Boom
    assert case.observe(stores) == case.empty
    assert ran == []
    case.write(stores)  # the store is usable after a rollback, and starts from where it was
    assert case.observe(stores) == case.written
    assert ran == []


@pytest.mark.parametrize("store", CASES)
def test_commit_actions_run_once_after_the_commit(stores: Stores, store: str) -> None:
    case = CASES[store]
    ran: list[Any] = []
    with stores.uow.atomic():
        with stores.uow.atomic():
            case.write(stores)
            stores.uow.on_commit(lambda: ran.append(case.observe(stores)))
        assert ran == []  # the inner block's end is not the commit
        assert case.observe(stores) == case.written
        assert ran == []
    assert ran == [case.written]  # it ran after the commit, and saw the committed write
    assert case.observe(stores) == case.written
    with stores.uow.atomic():
        pass
    assert ran == [case.written]  # once


def test_on_commit_outside_a_block_runs_at_once(stores: Stores) -> None:
    ran: list[int] = []
    stores.uow.on_commit(lambda: ran.append(1))
    assert ran == [1]
