"""fengkong (风控): real-time payment risk control.

>>> import fengkong
>>> with fengkong.in_memory() as platform:
...     decision = platform.engine.decide({"event_id": "e-1", "type": "transaction",
...         "occurred_at": "2019-12-12T03:23:00+08:00", "customer_id": "c-1", "txn_type": "purchase",
...         "channel": "pos", "amount": "88.00"})
>>> decision.decision
<Outcome.APPROVE: 'approve'>

The platform builders (`embedded`, `in_memory`, `build_platform`) load the storage adapters when
first used, so that `import fengkong` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fengkong.config import Settings
from fengkong.domain.decisions import Decision, EventError, Outcome, Reason
from fengkong.domain.errors import InputError
from fengkong.domain.events import Event, EventType
from fengkong.services.decide import Engine, InvalidEventError
from fengkong.services.platform import Platform

if TYPE_CHECKING:
    from fengkong.bootstrap import build_platform, embedded, in_memory

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "Engine",
    "Event",
    "EventError",
    "EventType",
    "InputError",
    "InvalidEventError",
    "Outcome",
    "Platform",
    "Reason",
    "Settings",
    "__version__",
    "build_platform",
    "embedded",
    "in_memory",
]

_BUILDERS = ("build_platform", "embedded", "in_memory")


def __getattr__(name: str) -> Any:
    if name in _BUILDERS:
        from fengkong import bootstrap

        return getattr(bootstrap, name)
    raise AttributeError(f"module 'fengkong' has no attribute {name!r}")
