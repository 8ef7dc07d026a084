"""Held payments, as an analyst works them: the payments under review (and step-ups waiting for
their challenge), and releasing or declining one. A release or a decline moves money, so it
enters the event log like any event (a `hold_resolution` made by fengkong) and is audited; the
features follow it exactly as they follow a payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fengkong.domain import clock
from fengkong.domain.decisions import Decision
from fengkong.domain.errors import Conflict, InputError, NotFound, required
from fengkong.domain.events import Event, EventType
from fengkong.domain.lifecycle import iso
from fengkong.domain.ports import AuditLog
from fengkong.domain.sensitive import scrub_text
from fengkong.services.decide import Engine


@dataclass(frozen=True, slots=True)
class HeldPayment:
    event_id: str
    outcome: str  # step_up | review
    state: str  # open | released | declined | passed | failed | expired | timed_out | completed | ...
    deadline: str
    challenge_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "held_as": self.outcome,
            "state": self.state,
            "deadline": self.deadline,
            "challenge_id": self.challenge_id,
        }


def _held(event_id: str, record: dict[str, Any]) -> HeldPayment:
    return HeldPayment(event_id, str(record["o"]), str(record["s"]), iso(float(record["dl"])), record.get("ch"))


class HoldService:
    def __init__(self, engine: Engine, audit: AuditLog):
        self.engine = engine
        self.audit = audit

    def open(self) -> list[HeldPayment]:
        """Held payments still waiting, soonest deadline first."""
        return [_held(event_id, record) for event_id, record in self.engine.holds()]

    def get(self, event_id: str) -> HeldPayment:
        record = self.engine.hold(event_id)
        if record is None:
            raise NotFound("event_id", f"payment {event_id} was never held")
        return _held(event_id, record)

    def release(self, event_id: str, *, actor: str, reason: str, at: datetime | None = None) -> Decision:
        """The payment goes through: what it reserved is spent."""
        return self._resolve(event_id, "released", actor, reason, at)

    def decline(self, event_id: str, *, actor: str, reason: str, at: datetime | None = None) -> Decision:
        """The payment is refused: what it reserved is given back."""
        return self._resolve(event_id, "declined", actor, reason, at)

    def _resolve(self, event_id: str, resolution: str, actor: str, reason: str, at: datetime | None) -> Decision:
        required(actor=actor, reason=reason)
        moment = at or clock.utc_now()
        if moment.tzinfo is None:
            raise InputError("at", "needs a UTC offset")
        held = self.get(event_id)
        if held.state != "open":
            raise Conflict("event_id", f"payment {event_id} is no longer held: it was {held.state}")
        if held.outcome != "review":
            raise Conflict("event_id", f"payment {event_id} waits for its challenge result, not for an analyst")
        ts = clock.to_epoch_seconds(moment)
        reason = scrub_text(reason)  # typed by an analyst, kept in the event log and the audit chain
        record = self.engine.hold(event_id) or {}
        if ts > float(record.get("dl", ts)):
            raise Conflict("at", f"the review of {event_id} timed out at {held.deadline}: it was declined then")
        event = Event(
            f"hold_resolution:{event_id}",
            EventType.HOLD_RESOLUTION,
            moment,
            ts,
            {"target_event_id": event_id, "resolution": resolution, "actor": actor, "reason": reason},
        )
        decision = self.engine.decide(event)
        self.audit.append(actor, f"hold.{resolution}", f"payment:{event_id}", reason, {"deadline": held.deadline})
        return decision
