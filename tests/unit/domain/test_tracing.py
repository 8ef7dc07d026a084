from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.domain.tracing import Transfer, trace_funds
from tests.conftest import examples


def fetcher(rows: list[Transfer]):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def outgoing(accounts: Sequence[str], since: float, until: float) -> list[Transfer]:
        calls.append(len(accounts))
        return [r for r in rows if r.from_account in accounts and since <= r.ts <= until]

    return outgoing, calls


def T(eid: str, ts: float, src: str, dst: str, yuan: int) -> Transfer:
    return Transfer(eid, ts, src, dst, yuan * 100)


def test_split_and_merge_with_reattribution() -> None:
    rows = [
        T("a", 10, "m1", "m2a", 600),
        T("b", 11, "m1", "m2b", 400),
        T("c", 30, "m2a", "m3", 600),  # arrives at m3 *after* m2b's transfer: m3 is attributed again
        T("d", 20, "m2b", "m3", 400),
        T("e", 40, "m3", "out", 1000),
    ]
    outgoing, calls = fetcher(rows)
    result = trace_funds(T("v", 1, "victim", "m1", 1000), outgoing)
    held = {a: n.remaining_fen for a, n in result.nodes.items()}
    assert held == {"m1": 0, "m2a": 0, "m2b": 0, "m3": 0, "out": 100000}
    assert result.nodes["m3"].received_fen == 100000 and result.nodes["out"].depth == 4
    assert sum(calls) == 5  # each account's transfers are read once


def test_fifo_only_moves_money_that_had_arrived() -> None:
    rows = [T("early", 5, "m1", "x", 500), T("late", 20, "m1", "y", 500)]
    outgoing, _ = fetcher(rows)
    result = trace_funds(T("v", 10, "victim", "m1", 300), outgoing)
    assert "x" not in result.nodes  # left before the victim's money came in
    assert result.nodes["y"].received_fen == 30000 and result.nodes["m1"].remaining_fen == 0


def test_window_hops_and_minimum() -> None:
    rows = [
        T("a", 10, "m1", "m2", 100),
        T("b", 20, "m2", "m3", 100),
        T("c", 30, "m3", "m4", 100),
        T("late", 10 + 4 * 86400, "m1", "z", 1),
        T("tiny", 12, "m1", "t", 1),
    ]
    outgoing, _ = fetcher(rows)
    result = trace_funds(T("v", 1, "victim", "m1", 101), outgoing, window_s=3 * 86400, max_hops=2, min_fen=200)
    assert set(result.nodes) == {"m1", "m2", "m3"}
    assert result.nodes["m3"].remaining_fen == 10000  # hop limit: followed no further
    assert result.nodes["m1"].remaining_fen == 100  # the 1-yuan flow under the minimum stays counted here


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 4), st.integers(0, 4), st.integers(1, 500)), max_size=40))
def test_traced_money_is_conserved_and_never_exceeds_the_transfers(edges: list[tuple[int, int, int, int]]) -> None:
    rows = [T(f"e{i}", ts + 2, f"a{s}", f"a{d}", amount) for i, (ts, s, d, amount) in enumerate(edges)]
    outgoing, _ = fetcher(rows)
    origin = T("v", 1, "victim", "a0", 700)
    result = trace_funds(origin, outgoing, max_hops=20)
    total_held = sum(n.remaining_fen for n in result.nodes.values())
    assert total_held == origin.amount_fen  # every fen is somewhere
    by_id = {r.event_id: r for r in rows}
    for node in result.nodes.values():
        assert node.remaining_fen >= 0
        for event_id, (_, ts, fen) in node.sent.items():
            assert fen <= by_id[event_id].amount_fen and ts == by_id[event_id].ts


def test_cash_taken_out_and_goods_paid_for_are_exits_not_held_money() -> None:
    rows = [
        T("a", 10, "m1", "m2", 700),
        T("w", 11, "m1", "exit:withdrawal", 200),  # cash at an ATM
        T("p", 20, "m2", "exit:purchase", 650),  # gold bought with the rest
    ]
    outgoing, _ = fetcher(rows)
    result = trace_funds(T("v", 1, "victim", "m1", 1000), outgoing)
    assert set(result.nodes) == {"m1", "m2"}  # an exit is not an account
    held = {a: n.remaining_fen for a, n in result.nodes.items()}
    assert held == {"m1": 10000, "m2": 5000}
    assert result.nodes["m1"].exited_fen == 20000 and result.nodes["m2"].exited_fen == 65000
    report = result.to_dict()
    assert report["stoppable_total"] == "150.00" and report["exited_total"] == "850.00"
    m2 = next(a for a in report["accounts"] if a["account"] == "m2")  # type: ignore[union-attr]
    assert m2["exits"] == [{"kind": "purchase", "amount": "650.00", "event_id": "p", "ts": 20}]
    assert m2["paid_to"] == []
