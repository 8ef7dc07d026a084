"""The TransferLog contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

from fengkong.bootstrap import Stores
from fengkong.domain.tracing import Transfer

T0 = 1_700_000_000.0


def by_id(found: list[Transfer]) -> list[Transfer]:
    """`outgoing` promises no order (the tracer sorts what it gets)."""
    return sorted(found, key=lambda t: t.event_id)


def test_record_then_get_by_event_id(stores: Stores) -> None:
    log = stores.transfers
    a = Transfer("t1", T0 + 0.125, "acc-1", "acc-2", 150_000)
    b = Transfer("t2", T0 + 60, "acc-2", "acc-3", 9_007_199_254_740_993)
    log.record([(a, "approve"), (b, "reject")])
    assert log.get("t1") == a
    assert log.get("t2") == b  # every transfer is kept, whatever its decision
    assert log.get("t3") is None


def test_outgoing_returns_approved_transfers_from_the_accounts_in_the_window(stores: Stores) -> None:
    log = stores.transfers
    rows = [
        (Transfer("at-since", T0, "a", "x", 100), "approve"),
        (Transfer("inside", T0 + 10.5, "a", "y", 200), "approve"),
        (Transfer("at-until", T0 + 100, "b", "z", 300), "approve"),
        (Transfer("before", T0 - 0.001, "a", "x", 400), "approve"),
        (Transfer("after", T0 + 100.001, "b", "x", 500), "approve"),
        (Transfer("rejected", T0 + 5, "a", "x", 600), "reject"),
        (Transfer("reviewed", T0 + 5, "b", "x", 700), "review"),
        (Transfer("other-account", T0 + 5, "c", "a", 800), "approve"),
    ]
    log.record(rows)
    found = by_id(log.outgoing(["a", "b"], T0, T0 + 100))
    assert [t.event_id for t in found] == ["at-since", "at-until", "inside"]
    assert found[2] == Transfer("inside", T0 + 10.5, "a", "y", 200)
    assert [t.event_id for t in log.outgoing(["b"], T0, T0 + 100)] == ["at-until"]
    assert [t.event_id for t in log.outgoing(["c"], T0, T0 + 100)] == ["other-account"]
    assert log.outgoing(["a", "b"], T0 + 101, T0 + 200) == []
    assert log.outgoing(["nobody"], T0 - 1000, T0 + 1000) == []
    assert log.outgoing([], T0 - 1000, T0 + 1000) == []


def test_outgoing_takes_more_than_500_accounts_at_once(stores: Stores) -> None:
    log = stores.transfers
    accounts = [f"acc-{i:04d}" for i in range(1234)]
    log.record([(Transfer(f"t{i:04d}", T0 + i, a, "sink", i + 1), "approve") for i, a in enumerate(accounts)])
    log.record([(Transfer(f"r{i:04d}", T0 + i, a, "sink", 1), "reject") for i, a in enumerate(accounts)])
    found = log.outgoing(accounts, T0, T0 + 2000)
    assert len(found) == 1234
    assert [t.event_id for t in by_id(found)] == [f"t{i:04d}" for i in range(1234)]
    assert sum(t.amount_fen for t in found) == 1234 * 1235 // 2
    # Accounts from every chunk, asked in another order and within a narrower window.
    picked = accounts[1200:] + accounts[499:502] + accounts[:2]
    found = log.outgoing(picked, T0, T0 + 1210)
    assert [t.event_id for t in by_id(found)] == [
        "t0000",
        "t0001",
        "t0499",
        "t0500",
        "t0501",
        *[f"t{i}" for i in range(1200, 1211)],
    ]


def test_outgoing_returns_each_transfer_once_when_an_account_is_named_twice(stores: Stores) -> None:
    log = stores.transfers
    log.record([(Transfer("t1", T0, "a", "x", 100), "approve")])
    assert [t.event_id for t in log.outgoing(["a", "a"], T0, T0)] == ["t1"]


def test_an_account_named_in_two_chunks_still_gives_each_transfer_once(stores: Stores) -> None:
    log = stores.transfers
    log.record([(Transfer("t1", T0, "a", "x", 100), "approve")])
    asked = ["a", *[f"other-{i}" for i in range(600)], "a"]  # "a" in the first and in the second 500
    assert [t.event_id for t in log.outgoing(asked, T0, T0)] == ["t1"]


def test_recording_nothing_is_a_no_op(stores: Stores) -> None:
    log = stores.transfers
    log.record([])
    assert log.outgoing(["a"], 0, T0 * 2) == []
    kept = Transfer("t1", T0, "a", "b", 100)
    log.record([(kept, "approve")])
    with stores.uow.atomic():
        log.record([])
    log.record([])
    assert log.outgoing(["a"], 0, T0 * 2) == [kept] and log.get("t1") == kept
