"""Functions that read the event itself beyond its contract fields."""

from __future__ import annotations

from typing import Any

from fengkong.domain.events import Event
from fengkong.domain.rules.functions import ANY, STRING, register


@register("extra", (STRING,), ANY, needs_event=True)
def extra(event: Event, name: Any) -> Any:
    """An extra (non-contract) field the sender added: extra("risk_flag")."""
    return event.fields.get(str(name))
