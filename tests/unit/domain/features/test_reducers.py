"""Every reducer against the brute-force reference (domain/features/checks.py) over all earlier
events, with late arrivals within the allowed lateness, over sliding, calendar and lifetime windows."""

from __future__ import annotations

import operator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.domain import clock
from fengkong.domain.features import buckets
from fengkong.domain.features.checks import check_reducer
from fengkong.domain.features.lookups import LOOKUPS
from fengkong.domain.features.reducers import REDUCERS
from fengkong.domain.features.reducers.count import Count
from fengkong.domain.features.windows import parse_window
from tests.conftest import examples

LATENESS = 900
T0 = 1_700_000_000  # 2023-11-14

WINDOWS = ["1m", "10m", "1h", "24h", "30d", "365d", "today", "year", "lifetime"]


@st.composite
def streams(draw: Any) -> list[tuple[float, int]]:
    """Events in arrival order; a late one is at most LATENESS seconds behind the newest."""
    n = draw(st.integers(min_value=1, max_value=30))  # under MAX_RECENT: see test_recent_lists_are_capped
    newest = float(T0)
    out = []
    for _ in range(n):
        step = draw(st.one_of(st.integers(0, 120), st.integers(0, 7200), st.integers(0, 40 * 86400)))
        back = draw(st.one_of(st.just(0), st.integers(0, LATENESS)))
        newest += step
        ts = newest - back
        out.append((ts + draw(st.sampled_from([0.0, 0.5])), draw(st.integers(1, 5))))
    return out


@settings(max_examples=examples(60), deadline=None)
@given(stream=streams(), window_text=st.sampled_from(WINDOWS), aggregate=st.sampled_from(sorted(REDUCERS)))
def test_reducer_matches_brute_force(stream: list[tuple[float, int]], window_text: str, aggregate: str) -> None:
    check_reducer(aggregate, REDUCERS[aggregate](parse_window(window_text), LATENESS), stream)


def test_the_check_catches_a_wrong_reducer() -> None:
    """The oracle has teeth: a count that forgets the older half of its window is caught."""

    class ShortCount(Count):
        def query(self, state: Any, ts: float) -> int:
            lo, hi = self.window.span(ts)
            return int(buckets.fold(state or [], (lo + hi) // 2, hi, operator.add, 0))

    stream = [(T0 + 60.0 * i, 1) for i in range(20)]
    with pytest.raises(AssertionError, match="count over 10m"):
        check_reducer("count", ShortCount(parse_window("10m"), LATENESS), stream)
    check_reducer("count", Count(parse_window("10m"), LATENESS), stream)


def test_lookups_are_not_reducers() -> None:
    assert not set(REDUCERS) & set(LOOKUPS)


@settings(max_examples=examples(40), deadline=None)
@given(stream=streams(), window_text=st.sampled_from(["1m", "10m", "1h", "24h", "30d", "365d"]))
def test_memory_is_bounded_by_the_window(stream: list[tuple[float, int]], window_text: str) -> None:
    window = parse_window(window_text)
    for aggregate in ("count", "sum", "max", "mean"):
        reducer = REDUCERS[aggregate](window, LATENESS)
        state: Any = None
        for ts, value in stream:
            state = reducer.update(state, ts, value)
            assert len(state) // 2 <= reducer.keep + 1


def test_windows_use_the_shanghai_business_day() -> None:
    today = parse_window("today")
    # 2019-12-11T23:30+08:00 and 2019-12-12T00:30+08:00 are different business days,
    # although both fall on 2019-12-11 in UTC.
    late_evening = 1576078200.0
    after_midnight = late_evening + 3600
    assert today.bucket(after_midnight) == today.bucket(late_evening) + 1
    assert clock.business_date(after_midnight).isoformat() == "2019-12-12"


def test_default_resolution_is_fine_grained() -> None:
    assert parse_window("1m").resolution_s == 1
    assert parse_window("10m").resolution_s == 10
    assert parse_window("24h").resolution_s == 600
    assert parse_window("365d").resolution_s == 86_400
    assert parse_window("10m", "1s").n_buckets == 600


def test_distinct_saturates_at_its_cap() -> None:
    reducer = REDUCERS["distinct"](parse_window("1h"), 0, max_distinct=10)
    state = None
    for i in range(50):
        state = reducer.update(state, T0 + i, f"card{i}")
    assert reducer.query(state, T0 + 60) == 10
    assert len(state["v"]) == 10


def test_recent_lists_are_capped() -> None:
    from fengkong.domain.features.reducers.last_seen import MAX_RECENT

    for aggregate in ("last_seen", "last_value"):
        reducer = REDUCERS[aggregate](parse_window("lifetime"), lateness_s=3600)
        state = None
        for i in range(500):  # 500 events in ~8 minutes on one key
            state = reducer.update(state, T0 + i, i)
        assert len(state) == MAX_RECENT
        newest = reducer.query(state, T0 + 1000)
        assert newest == (T0 + 499 if aggregate == "last_seen" else 499)
