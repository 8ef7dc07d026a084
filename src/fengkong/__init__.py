"""fengkong (风控): real-time payment risk control.

>>> import fengkong
>>> sorted(fengkong.__all__)[:3]
['Decision', 'Engine', 'Event']
"""

from __future__ import annotations

from fengkong.config import Settings
from fengkong.domain.decisions import Decision, EventError, Outcome, Reason
from fengkong.domain.events import Event, EventType
from fengkong.services.decide import Engine, InvalidEventError

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "Engine",
    "Event",
    "EventError",
    "EventType",
    "InvalidEventError",
    "Outcome",
    "Reason",
    "Settings",
    "__version__",
]
