"""The ListStore contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fengkong.bootstrap import Stores
from fengkong.domain.lists.index import ListEntry


def entry(list_type: str = "block_card", match_key: str = "k1", **fields: Any) -> ListEntry:
    base = ListEntry(
        0,
        list_type,
        match_key,
        "6222****1234",
        "manual",
        "fraud report",
        "case file 7",
        "alice",
        1_700_000_000.25,
        None,
    )
    return replace(base, **fields)


def test_add_returns_the_entry_with_a_new_id(stores: Stores) -> None:
    lists = stores.lists
    given = entry(
        amount_fen=123_456, case_number="(2024)京01执123号", authority="北京一中院", expires_at=1_800_000_000.5
    )
    first = lists.add(replace(given, id=999))  # the id passed in is ignored
    second = lists.add(entry(match_key="k2"))
    third = lists.add(entry(match_key="k3"))
    assert first.id != 999 and 0 < first.id < second.id < third.id
    assert first == replace(given, id=first.id)
    assert lists.get(first.id) == first
    assert lists.get(second.id) == replace(entry(match_key="k2"), id=second.id)


def test_get_returns_an_entry_ended_or_not(stores: Stores) -> None:
    lists = stores.lists
    kept = lists.add(entry(match_key="k1"))
    gone = lists.add(entry(match_key="k2"))
    assert lists.get(gone.id) == gone
    ended = lists.end(gone.id, 1_700_000_100.5)
    assert ended == replace(gone, ended_at=1_700_000_100.5)
    assert lists.get(gone.id) == ended
    assert lists.get(kept.id) == kept
    assert lists.get(gone.id + 1000) is None and lists.end(gone.id + 1000, 1.0) is None


def test_end_keeps_the_entry_and_its_planned_expiry_and_never_lengthens_it(stores: Stores) -> None:
    lists = stores.lists
    a = lists.add(entry(match_key="k1"))
    b = lists.add(entry(match_key="k1", reason="second report", expires_at=1_700_000_500.0))
    c = lists.add(entry(list_type="allow_customer", match_key="c9"))
    assert sorted(lists.all(), key=lambda e: e.id) == [a, b, c]
    a_end = lists.end(a.id, 1_700_000_300.0)
    assert a_end == replace(a, ended_at=1_700_000_300.0)
    assert lists.end(a.id, 1_700_000_900.0) == a_end  # an earlier end is kept
    assert lists.end(b.id, 1_700_000_900.0) == b  # ending after its expiry changes nothing
    b_end = lists.end(b.id, 1_700_000_200.0)
    assert b_end == replace(b, ended_at=1_700_000_200.0)  # the planned expiry stays
    assert lists.find("block_card", "k1") == [a_end, b_end]
    assert sorted(lists.all(), key=lambda e: e.id) == [a_end, b_end, c]  # the other entry untouched


def test_find_filters_by_list_type_and_match_key(stores: Stores) -> None:
    lists = stores.lists
    wanted = [lists.add(entry("block_card", "k1")), lists.add(entry("block_card", "k1", source="court"))]
    lists.add(entry("block_card", "k2"))  # same list, other key
    lists.add(entry("allow_card", "k1"))  # same key, other list
    lists.add(entry("block_account", "k1"))
    found = lists.find("block_card", "k1")
    assert sorted(found, key=lambda e: e.id) == wanted
    assert [e.source for e in sorted(found, key=lambda e: e.id)] == ["manual", "court"]
    assert [e.list_type for e in lists.find("allow_card", "k1")] == ["allow_card"]
    assert lists.find("block_card", "nobody") == [] and lists.find("no_such_list", "k1") == []


def test_stamp_moves_on_every_write_and_not_on_reads(stores: Stores) -> None:
    lists = stores.lists
    seen = [lists.stamp()]
    added = lists.add(entry())
    seen.append(lists.stamp())
    lists.add(entry(match_key="k2"))
    seen.append(lists.stamp())
    lists.get(added.id), lists.all(), lists.find("block_card", "k1")
    assert lists.stamp() == seen[-1]  # reads leave it alone
    lists.end(added.id, 1_700_000_100.0)
    seen.append(lists.stamp())
    assert len(set(seen)) == 4, seen
    assert lists.stamp() == seen[-1]
