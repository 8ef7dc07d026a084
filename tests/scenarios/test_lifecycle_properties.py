"""Property-based: whatever happens to payments after their decision - held for review and
released, declined or timed out; stepped up and passed, failed or expired; completed, cancelled,
returned, reversed or refunded; arriving late within the lateness; across midnight; over several
accounts of one customer - a daily limit holds exactly to the fen, and every payment that fits
is let through. Each case runs
the engine with the limit rules and compares every answer with a model of the contract's table
(v1.1: approve and delay_settlement spend, step_up and review reserve until answered)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengkong import InputError, Outcome, Platform, Settings
from fengkong.bootstrap import build_platform
from fengkong.domain.clock import business_date, to_epoch_seconds
from tests.conftest import examples
from tests.scenarios.limits_helpers import LIMIT_RULES, at, payment, unique
from tests.scenarios.test_lifecycle import HOLD_RULES

LIMIT = Decimal(10000)
CHALLENGE = timedelta(minutes=5)
REVIEW = timedelta(hours=24)
AMOUNTS = st.one_of(
    st.sampled_from(["0.01", "1000.00", "2500.00", "4999.99", "5000.00", "6000.00", "9999.99", "10000.00"]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2).map(str),
)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp: Path = tmp_path_factory.mktemp("lifecycle")
    rules = tmp / "hold.yaml"
    rules.write_text(HOLD_RULES, encoding="utf-8")
    with build_platform(Settings.embedded(tmp / "data", rule_paths=(*LIMIT_RULES, rules))) as opened:
        yield opened


@dataclass
class Paid:
    event: dict[str, Any]
    when: datetime
    amount: Decimal
    held: str | None  # review | step_up while open
    deadline: datetime | None
    counted: Decimal  # what it still counts against its day
    challenge: str | None = None
    freed_hold: bool = False  # held, then ended without the money moving


def day_of(when: datetime) -> Any:
    return business_date(to_epoch_seconds(when))


ACTIONS = ["pay"] * 6 + ["release", "decline", "pass", "fail", "complete", "cancel", "return", "refund", "reverse"]


@st.composite
def stories(draw: Any) -> list[tuple[Any, ...]]:
    steps: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 30))):
        action = draw(st.sampled_from(ACTIONS))
        gap = draw(st.sampled_from([0, 1, 2, 4, 7, 30, 90, 600, 1500]))  # minutes of event time
        late = draw(st.sampled_from([0, 0, 0, 20]))  # minutes late (within the hour of lateness)
        if action == "pay":
            steps.append(
                (action, gap, late, draw(AMOUNTS), draw(st.sampled_from([None, None, "review", "step_up", "delay"])))
            )
        else:
            steps.append(
                (action, gap, 0, draw(st.integers(0, 29)), draw(st.sampled_from(["0.01", "500.00", "3000.00"])))
            )
    return steps


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(story=stories(), scope=st.sampled_from(["account", "customer"]))
def test_daily_limits_hold_through_every_lifecycle_path(
    platform: Platform, story: list[tuple[Any, ...]], scope: str
) -> None:
    """`account`: one class II bank account (10,000 a day). `customer`: the customer's own daily
    limit of 10,000 over three class I accounts of one customer (no class limit)."""
    engine, customer = platform.engine, unique("cust")
    accounts = [unique("acct")] if scope == "account" else [unique("acct") for _ in range(3)]
    cls = "II" if scope == "account" else "I"
    if scope == "customer":
        platform.reference.set("customer_limits", customer, {"daily": "10000"}, actor="ops", reason="customer's own")
    used: dict[Any, Decimal] = defaultdict(Decimal)  # business day -> spent + reserved
    forced: dict[Any, Decimal] = defaultdict(Decimal)  # completed by the core system after we said no
    paid: list[Paid] = []
    clock = at(0, 22)  # starts two hours before midnight
    watermark = clock

    def sweep(now: datetime) -> None:
        """What the engine does before any event: holds past their deadline end, freed."""
        for p in paid:
            if p.held is not None and p.deadline is not None and p.deadline <= now:
                end_freed(p)

    def give_back(p: Paid, amount: Decimal) -> None:
        amount = min(amount, p.counted)
        used[day_of(p.when)] -= amount
        p.counted -= amount

    def end_freed(p: Paid) -> None:
        give_back(p, p.counted)
        p.held, p.freed_hold = None, True

    def open_challenge(account: str, amount: Decimal, now: datetime) -> Paid | None:
        """The contract's resend: the same purchase by the same customer from the same account for
        the same amount while its challenge is open."""
        return next(
            (
                p
                for p in paid
                if p.held == "step_up"
                and p.amount == amount
                and p.deadline is not None
                and now <= p.deadline
                and p.event["txn_type"] == "purchase"
                and p.event["account_id"] == account
            ),
            None,
        )

    for action, gap, late, arg, extra in story:
        clock += timedelta(minutes=gap)
        when = clock - timedelta(minutes=late)
        watermark = max(watermark, when)
        if action == "pay":
            account = accounts[gap % len(accounts)]
            event = payment(account, when, arg, kind="bank", cls=cls, customer=customer)
            if extra is not None:
                event["hold"] = extra
            sweep(watermark)
            amount = Decimal(arg)
            resent = open_challenge(account, amount, when)
            if resent is not None:  # the same challenge again, and nothing more reserved
                d = engine.decide(event)
                assert d.decision is Outcome.STEP_UP and d.resend_of == resent.event["event_id"], d.to_dict()
                continue
            fits = used[day_of(when)] + amount <= LIMIT
            expected = (
                {
                    None: Outcome.APPROVE,
                    "review": Outcome.REVIEW,
                    "step_up": Outcome.STEP_UP,
                    "delay": Outcome.DELAY_SETTLEMENT,
                }[extra]
                if fits
                else Outcome.REJECT
            )
            d = engine.decide(event)
            assert d.decision is expected, (event, d.to_dict(), dict(used))
            if fits:
                used[day_of(when)] += amount
                held = extra if extra in ("review", "step_up") else None
                deadline = when + (CHALLENGE if held == "step_up" else REVIEW) if held else None
                paid.append(
                    Paid(event, when, amount, held, deadline, amount, d.challenge.challenge_id if d.challenge else None)
                )
            continue
        if not paid:
            continue
        p = paid[arg % len(paid)]
        sweep(watermark)
        target = p.event["event_id"]
        if action in ("release", "decline"):
            if p.held != "review":
                with pytest.raises(InputError):
                    getattr(platform.holds, action)(target, actor="analyst", reason="r", at=when)
                continue
            getattr(platform.holds, action)(target, actor="analyst", reason="r", at=when)
            if action == "decline":
                end_freed(p)
            p.held = None
        elif action in ("pass", "fail"):
            if p.held != "step_up":
                continue  # results for anything else change nothing (tested in test_lifecycle.py)
            answer = engine.decide(
                {
                    "event_id": unique("r"),
                    "type": "challenge_result",
                    "occurred_at": when.isoformat(),
                    "target_event_id": target,
                    "challenge_id": p.challenge,
                    "passed": action == "pass",
                    "factors": ["biometric"],
                }
            )
            assert answer.decision is (Outcome.APPROVE if action == "pass" else Outcome.REJECT), answer.to_dict()
            if action == "fail":
                end_freed(p)
            p.held = None
        elif action in ("complete", "cancel", "return"):
            what = {"complete": "completed", "cancel": "cancelled", "return": "returned"}[action]
            engine.decide(
                {
                    "event_id": unique("o"),
                    "type": "payment_outcome",
                    "occurred_at": when.isoformat(),
                    "target_event_id": target,
                    "outcome": what,
                }
            )
            if action != "complete":
                give_back(p, p.counted)
            elif p.freed_hold and p.counted == 0:  # the core system moved the money after all:
                used[day_of(p.when)] += p.amount  # it counts, even past the limit (not our answer)
                forced[day_of(p.when)] += p.amount
                p.counted, p.freed_hold = p.amount, False
            p.held = None
        else:  # a refund (part) or a reversal (the rest) of a payment that went through
            amount = Decimal(extra) if action == "refund" else p.amount
            back = payment(
                p.event["account_id"],
                when,
                str(amount),
                kind="bank",
                cls=cls,
                customer=customer,
                txn_type="refund" if action == "refund" else "reversal",
                original_event_id=target,
            )
            assert engine.decide(back).decision is Outcome.APPROVE
            if p.held is None:  # a held payment's money has not moved: nothing to give back yet
                give_back(p, amount)
        assert all(v - forced[day] <= LIMIT for day, v in used.items())
