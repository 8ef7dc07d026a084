"""One reducer per file. Each keeps a JSON-ready state and answers a query at an event time.

Contract (checked for every reducer by tests/unit/domain/features/test_reducers.py):
`update(state, ts, value) -> state` folds one event in (the returned object is the new state);
`query(state, ts) -> value` answers for an event at `ts` using only buckets up to `ts`'s bucket.
Lookups (a reference record, a list entry) are not reducers: see features/lookups.py.
"""

from __future__ import annotations

from fengkong.domain.features.reducers.base import Reducer
from fengkong.domain.features.reducers.count import Count
from fengkong.domain.features.reducers.distinct import Distinct
from fengkong.domain.features.reducers.first_seen import FirstSeen
from fengkong.domain.features.reducers.fold import BucketFold
from fengkong.domain.features.reducers.last_seen import LastSeen, SinceLast
from fengkong.domain.features.reducers.last_value import LastValue
from fengkong.domain.features.reducers.maximum import Maximum
from fengkong.domain.features.reducers.mean import Mean
from fengkong.domain.features.reducers.minimum import Minimum
from fengkong.domain.features.reducers.total import Total

REDUCERS: dict[str, type[Reducer]] = {
    "count": Count,
    "sum": Total,
    "mean": Mean,
    "min": Minimum,
    "max": Maximum,
    "distinct": Distinct,
    "first_seen": FirstSeen,
    "last_seen": LastSeen,
    "since_last": SinceLast,
    "last_value": LastValue,
}

__all__ = ["REDUCERS", "BucketFold", "Reducer"]
