"""Property-based: no sequence of events lets approved money exceed a limit, and every payment
that fits within its limits is approved. Each case runs the engine with only the limit rules
and compares every decision with a small model of the regulation."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengkong import Engine, Outcome
from fengkong.domain.clock import business_date, to_epoch_seconds
from tests.conftest import examples
from tests.scenarios.limits_helpers import at, limits_platform, payment, unique

AMOUNTS = st.one_of(
    st.sampled_from(["0.01", "1.00", "999.99", "1000.00", "2500.00", "5000.00", "9999.99", "10000.00"]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("12000"), places=2).map(str),
)
PROFILE = settings(
    max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with limits_platform(tmp_path_factory.mktemp("limits")) as platform:
        yield platform.engine


def day_of(when: datetime) -> Any:
    return business_date(to_epoch_seconds(when))


@st.composite
def bank_ii_stories(draw: Any) -> list[tuple[str, Any]]:
    """Steps: ('pay', (day, hour, amount, txn_type)) or ('reverse', index of an earlier step)."""
    steps: list[tuple[str, Any]] = []
    for i in range(draw(st.integers(1, 25))):
        if i and draw(st.integers(0, 5)) == 0:
            steps.append(("reverse", draw(st.integers(0, i - 1))))
        else:
            txn = draw(
                st.sampled_from(["purchase", "purchase", "transfer", "balance_payment", "investment", "withdrawal"])
            )
            steps.append(("pay", (draw(st.integers(0, 2)), draw(st.floats(0, 23.9)), draw(AMOUNTS), txn)))
    return steps


@PROFILE
@given(story=bank_ii_stories())
def test_bank_class_ii_daily_limit(engine: Engine, story: list[tuple[str, Any]]) -> None:
    account = unique("b2")
    used: dict[Any, Decimal] = defaultdict(Decimal)  # business day -> approved spend
    sent: list[tuple[dict[str, Any], bool]] = []
    clock = at(0, 0)  # events arrive in time order (lateness is tested elsewhere)
    for kind, step in story:
        if kind == "pay":
            day, hour, amount, txn = step
            when = clock = max(clock, at(day, hour))
            event = payment(account, when, amount, txn_type=txn)
            d = engine.decide(event)
            spend = txn in ("purchase", "transfer", "balance_payment")
            if txn == "withdrawal":
                expected = False  # class II: no cash
            elif spend:
                expected = used[day_of(when)] + Decimal(amount) <= Decimal(10000)
            else:
                expected = True  # wealth management is outside the daily limit
            assert (d.decision is Outcome.APPROVE) == expected, (event, d.to_dict(), dict(used))
            if expected and spend:
                used[day_of(when)] += Decimal(amount)
            if not expected and spend:
                assert "remaining" in d.reasons[0].message_en
            sent.append((event, expected and spend))
            assert all(v <= 10000 for v in used.values())
        else:
            original, counted = sent[step] if step < len(sent) else (None, False)
            if original is None:
                continue
            when = clock = clock + timedelta(minutes=1)
            reversal = payment(
                account, when, original["amount"], txn_type="reversal", original_event_id=original["event_id"]
            )
            assert engine.decide(reversal).decision is Outcome.APPROVE
            if counted:
                used[day_of(datetime.fromisoformat(original["occurred_at"]))] -= Decimal(original["amount"])
                sent[step] = (original, False)  # given back once only


@st.composite
def payment_stories(draw: Any) -> list[tuple[int, str, bool, str, bool]]:
    return [
        (
            draw(st.integers(0, 400)),
            draw(AMOUNTS.map(lambda a: str(Decimal(a) * 9)) | AMOUNTS),
            draw(st.booleans()),
            draw(st.sampled_from(["purchase", "transfer", "balance_payment", "investment"])),
            draw(st.booleans()),  # funded by a bound bank card, not the balance
        )
        for _ in range(draw(st.integers(1, 25)))
    ]


@PROFILE
@given(story=payment_stories(), cls=st.sampled_from(["I", "II", "III"]))
def test_payment_account_class_limits(engine: Engine, story: list[tuple[int, str, bool, str, bool]], cls: str) -> None:
    """Class I: 1,000 since opening (same-name included); II / III: 100,000 / 200,000 per calendar
    year (same-name excluded); investment only from class III. Only balance payments count
    (001 §1.1.4): a purchase a bound bank card funds is outside the class caps. Strong
    verification throughout, so only the class limits apply."""
    account = unique("p" + cls)
    lifetime = Decimal(0)
    yearly: dict[int, Decimal] = defaultdict(Decimal)
    limit = {"II": Decimal(100_000), "III": Decimal(200_000)}.get(cls)
    for offset, amount, same_name, txn, by_card in sorted(story):
        when = at(offset)
        event = payment(
            account,
            when,
            amount,
            kind="payment",
            cls=cls,
            txn_type=txn,
            same_name=same_name if txn == "transfer" else None,
            auth_factors=["password", "digital_certificate"],
            card_id="bound-card" if by_card else None,
        )
        d = engine.decide(event)
        value = Decimal(amount)
        year = day_of(when).year
        excluded = txn == "transfer" and same_name
        if txn == "investment" and cls != "III":
            expected = False
        elif by_card:
            expected, value = True, Decimal(0)  # the card pays: the account's balance caps are untouched
        elif cls == "I":
            expected = lifetime + value <= 1000
        else:
            assert limit is not None
            expected = excluded or yearly[year] + value <= limit
        assert (d.decision is Outcome.APPROVE) == expected, (cls, event, d.to_dict(), lifetime, dict(yearly))
        if expected:
            lifetime += value
            if not excluded:
                yearly[year] += value
        assert lifetime <= 1000 or cls != "I"
        assert limit is None or all(v <= limit for v in yearly.values())


FACTORS = st.sampled_from(
    [
        ["password"],
        ["sms_otp"],
        ["digital_certificate"],
        ["password", "sms_otp"],
        ["password", "biometric"],
        ["password", "digital_certificate"],
        ["sms_otp", "e_signature"],
        [],
    ]
)


@PROFILE
@given(
    story=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from(["100.00", "400.00", "999.99", "1000.00", "1500.00", "3000.00", "0.01"]),
            FACTORS,
            st.booleans(),  # a transfer to the customer's own bank account
        ),
        min_size=1,
        max_size=25,
    )
)
def test_verification_strength_daily_caps(engine: Engine, story: list[tuple[int, str, str, list[str], bool]]) -> None:
    """43号 art. 24 over all of one customer's payment accounts: a payment that a stronger
    verification would allow is stepped up (never refused), naming the factors to add. A
    transfer to the customer's own same-name bank account is outside the caps."""
    customer = unique("cust")
    single: dict[int, Decimal] = defaultdict(Decimal)
    no_cert: dict[int, Decimal] = defaultdict(Decimal)
    classes = {
        "password": "k",
        "sms_otp": "p",
        "dynamic_token": "p",
        "digital_certificate": "p",
        "e_signature": "p",
        "biometric": "i",
    }
    story = sorted(story, key=lambda step: step[0])  # in time order
    for i, (day, acct, amount, factors, own) in enumerate(story):
        when = at(day, 8 + i * 0.1)
        own_transfer = {"txn_type": "transfer", "same_name": True, "counterparty_kind": "bank"} if own else {}
        event = (
            payment(
                f"{customer}-{acct}", when, amount, kind="payment", cls="III", customer=customer, auth_factors=factors
            )
            | own_transfer
        )
        d = engine.decide(event)
        if own:
            assert d.decision is Outcome.APPROVE, (event, d.to_dict())
            continue
        value = Decimal(amount)
        n_classes = len({classes[f] for f in factors})
        cert = bool({"digital_certificate", "e_signature"} & set(factors))
        fits = True
        if n_classes < 2:
            fits = single[day] + value <= 1000
        if not cert:
            fits = fits and no_cert[day] + value <= 5000
        if fits:
            assert d.decision is Outcome.APPROVE, (event, d.to_dict())
            if n_classes < 2:
                single[day] += value
            if not cert:
                no_cert[day] += value
        else:
            assert d.decision is Outcome.STEP_UP, (event, d.to_dict())
            assert d.required_factors, d.to_dict()
        assert all(v <= 1000 for v in single.values()) and all(v <= 5000 for v in no_cert.values())
