"""The institution's side of the decision lifecycle while the demo scores: challenge results sent
back as the simulated customer or fraudster answers, and held payments worked by an analyst."""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fengkong.domain.decisions import Decision, Outcome
from fengkong.domain.errors import InputError
from fengkong.simulate.answers import Answers

if TYPE_CHECKING:
    from fengkong.services.platform import Platform


class LifecycleRun:
    def __init__(self, platform: Platform, answers: Answers, labels: dict[str, str]):
        self.platform = platform
        self.answers = answers
        self.labels = labels
        self.replies: list[dict[str, Any]] = []
        self.reviews: list[tuple[datetime, str, bool]] = []  # (when the analyst gets to it, payment, release)
        self.held: dict[str, tuple[str, Decimal]] = {}  # payment -> (held as, amount)
        self.resends = self.results = self.resolutions = 0

    def decided(self, event: dict[str, Any], decision: Decision) -> None:
        """Note a decision; a step-up gets its answer queued, a review its analyst."""
        if decision.resend_of is not None:
            self.resends += 1
            return
        scenario = self.labels.get(decision.event_id)
        amount = Decimal(str(event.get("amount", 0)))
        if decision.decision is Outcome.STEP_UP and decision.challenge is not None:
            self.held[decision.event_id] = ("step_up", amount)
            reply = self.answers.challenge_result(event, decision.challenge, scenario)
            if reply is not None:
                self.replies.append(reply)
        elif decision.decision is Outcome.REVIEW:
            self.held[decision.event_id] = ("review", amount)
            when, release = self.answers.review(event, scenario)
            heapq.heappush(self.reviews, (when, decision.event_id, release))

    def answer(self, now: datetime | None) -> None:
        """Send the challenge results queued (answering again when more factors are asked), and
        resolve the reviews an analyst has reached by `now` (all of them when None)."""
        engine = self.platform.engine
        while self.replies:
            batch, self.replies = self.replies, []
            self.results += len(batch)
            for reply, result in zip(batch, engine.decide_many(batch), strict=True):
                if isinstance(result, Decision) and result.challenge is not None:
                    target = str(reply["target_event_id"])
                    again = self.answers.challenge_result(
                        {"event_id": target, "occurred_at": reply["occurred_at"]},
                        result.challenge,
                        self.labels.get(target),
                    )
                    if again is not None:
                        self.replies.append(again)
        while self.reviews and (now is None or self.reviews[0][0] <= now):
            when, event_id, release = heapq.heappop(self.reviews)
            act = self.platform.holds.release if release else self.platform.holds.decline
            why = "confirmed with the customer" if release else "customer did not recognise the payment"
            try:
                act(event_id, actor="demo-analyst", reason=why, at=when)
            except InputError:  # ended meanwhile: cancelled by the core system, or timed out
                continue
            self.resolutions += 1

    def summary(self) -> dict[str, Any]:
        """Holds opened, money reserved and how each ended, by what they were held as."""
        kinds: dict[str, dict[str, Any]] = {}
        ended: dict[str, str] = {}
        for event_id, (kind, amount) in self.held.items():
            state = self.platform.holds.get(event_id).state
            ended[event_id] = state
            row = kinds.setdefault(kind, {"opened": 0, "reserved": Decimal(0), "ended": Counter()})
            row["opened"] += 1
            row["reserved"] += amount
            row["ended"][state] += 1
        return {
            "kinds": kinds,
            "ended": ended,
            "resends": self.resends,
            "results": self.results,
            "resolutions": self.resolutions,
        }
