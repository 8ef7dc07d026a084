"""Functions about the event itself beyond its contract fields, and about its decision."""

from __future__ import annotations

from typing import Any

from fengkong.domain.decisions import COUNTED
from fengkong.domain.events import Event
from fengkong.domain.rules.functions import ANY, BOOL, STRING, register


@register("extra", (STRING,), ANY, needs_event=True)
def extra(event: Event, name: Any) -> Any:
    """An extra (non-contract) field the sender added: extra("risk_flag")."""
    return event.fields.get(str(name))


@register("counted", (STRING,), BOOL)
def counted(decision: Any) -> bool:
    """Whether an outcome counts against limits: approve and delay_settlement spend, step_up
    and review reserve until answered (a released review stays counted, a declined one is taken
    back); reject, stop_payment and a resend given its open challenge again count nothing.
    In a feature's filter: `where: counted(decision) and ...`."""
    return decision in COUNTED
