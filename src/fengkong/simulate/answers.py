"""The other side of the decision lifecycle in the simulation: who answers a challenge, and what
an analyst does with a held payment.

A customer answers the challenge of their own payment with the factors asked for, and now and
then gives up. A fraudster passes only with factors they hold - a recycled-number takeover holds
the phone line and the reset password, credential stuffing a password - and otherwise types a
wrong code or walks away. An analyst releases a held genuine payment and declines a fraudulent
one, some time later. Every choice is drawn from the seed and the event id, so a run repeats.

>>> from fengkong.domain.decisions import Challenge
>>> answers = Answers(seed=7)
>>> face = Challenge("chl_1", ("biometric",), "2026-10-01T10:05:00+08:00")
>>> event = {"event_id": "e1", "occurred_at": "2026-10-01T10:00:00+08:00"}
>>> answers.challenge_result(event, face, None)["passed"]  # the customer
True
>>> sms = Challenge("chl_2", ("sms_otp",), "2026-10-01T10:05:00+08:00")
>>> answers.challenge_result(event, sms, "recycled_phone_takeover")["passed"]  # holds the number
True
>>> (answers.challenge_result(event, face, "recycled_phone_takeover") or {}).get("passed", False)
False
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fengkong.domain.decisions import Challenge

# What an attacker of each scenario can present; every other factor they fail or abandon.
ATTACKER_FACTORS: dict[str, frozenset[str]] = {
    "recycled_phone_takeover": frozenset({"sms_otp", "voice_otp", "password"}),
    "credential_stuffing": frozenset({"password"}),
}

# Scenarios where the account holder pays: a deceived customer (telecom fraud), the mule who
# controls the account, a cardholder cashing out their credit line. They pass every challenge; only a person's review stops them.
HOLDS_EVERY_FACTOR = frozenset({"mule_collection", "mule_pass_through", "credit_card_cashout"})


@dataclass(frozen=True, slots=True)
class Answers:
    seed: int
    give_up: float = 0.02  # a genuine customer who does not finish the challenge
    attacker_gives_up: float = 0.5  # the rest type a wrong code
    answer_seconds: tuple[float, float] = (15.0, 150.0)
    review_minutes: tuple[float, float] = (10.0, 240.0)

    def _draw(self, event_id: str, what: str) -> random.Random:
        return random.Random(f"{self.seed}:{what}:{event_id}")

    def challenge_result(
        self, event: dict[str, Any], challenge: Challenge, scenario: str | None
    ) -> dict[str, Any] | None:
        """The `challenge_result` the institution's authentication service sends, or None when
        nobody answers (the challenge then expires on event time)."""
        draw = self._draw(event["event_id"], "challenge")
        required = frozenset(challenge.required_factors)
        if scenario is None or scenario in HOLDS_EVERY_FACTOR:
            if draw.random() < self.give_up:
                return None
            passed, factors = True, list(challenge.required_factors)
        elif required <= ATTACKER_FACTORS.get(scenario, frozenset()):
            passed, factors = True, list(challenge.required_factors)
        elif draw.random() < self.attacker_gives_up:
            return None
        else:
            passed, factors = False, []
        when = datetime.fromisoformat(event["occurred_at"]) + timedelta(seconds=draw.uniform(*self.answer_seconds))
        return {
            "event_id": f"{event['event_id']}-answer-{challenge.challenge_id[-6:]}",
            "type": "challenge_result",
            "occurred_at": when.isoformat(),
            "target_event_id": event["event_id"],
            "challenge_id": challenge.challenge_id,
            "passed": passed,
            "factors": factors,
        }

    def review(self, event: dict[str, Any], scenario: str | None) -> tuple[datetime, bool]:
        """When an analyst gets to a held payment, and whether they release it."""
        draw = self._draw(event["event_id"], "review")
        when = datetime.fromisoformat(event["occurred_at"]) + timedelta(minutes=draw.uniform(*self.review_minutes))
        return when, scenario is None
