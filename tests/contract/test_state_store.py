"""The StateStore contract, run against every implementation (memory, Redis)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fengkong.adapters.memory.state import MemoryStateStore
from fengkong.domain.ports import StateStore


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore()
        return
    from fengkong.adapters.redis.state import RedisStateStore
    from tests.conftest import REDIS_URL

    namespace = request.getfixturevalue("redis_namespace")
    redis_store = RedisStateStore(REDIS_URL, namespace)
    yield redis_store
    redis_store.close()


def test_fresh_store_has_no_usable_checkpoint(store: StateStore) -> None:
    assert store.checkpoint("fp1") is None


def test_apply_then_read_back(store: StateStore) -> None:
    store.reset("fp1")
    assert store.checkpoint("fp1") == 0
    states = {
        "card|k1": {"n": [100, 2, 101, 1]},
        "customer|c1": {"first": 1700000000.5, "d": {"m": 3, "v": {"x": [3]}}},
    }
    store.apply(states, 42)
    assert store.get_many(["card|k1", "customer|c1", "ip|none"]) == states
    assert store.checkpoint("fp1") == 42


def test_checkpoint_is_tied_to_the_feature_fingerprint(store: StateStore) -> None:
    store.reset("fp1")
    store.apply({"k": {"a": 1}}, 5)
    assert store.checkpoint("other") is None
    store.reset("fp2")
    assert store.get_many(["k"]) == {}
    assert store.checkpoint("fp2") == 0


def test_later_apply_overwrites_keys(store: StateStore) -> None:
    store.reset("fp")
    store.apply({"k": {"a": 1}}, 1)
    store.apply({"k": {"a": 2}, "j": {"b": [1]}}, 2)
    assert store.get_many(["k", "j"]) == {"k": {"a": 2}, "j": {"b": [1]}}
    assert store.checkpoint("fp") == 2


def test_export_and_load_round_trip(store: StateStore) -> None:
    store.reset("fp")
    states = {f"card|{i}": {"n": [i, i + 1]} for i in range(2500)}
    store.load(states, 77, "fp")
    assert store.export() == states
    assert store.checkpoint("fp") == 77
    assert store.get_many(["card|2499"]) == {"card|2499": {"n": [2499, 2500]}}


def test_empty_reads_and_writes(store: StateStore) -> None:
    store.reset("fp")
    assert store.get_many([]) == {}
    store.apply({}, 3)
    assert store.checkpoint("fp") == 3
