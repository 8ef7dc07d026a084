"""Boundaries at exactly the limit and one fen over, reversals, the account registry, opening
checks, real-name checks, binding factors, agreements and customers' own limits."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fengkong import Engine, InvalidEventError, Outcome, Platform
from tests.access import api_client, cli_key
from tests.scenarios.limits_helpers import CST, at, limits_platform, payment, unique


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    with limits_platform(tmp_path) as opened:
        yield opened


@pytest.fixture
def engine(platform: Platform) -> Engine:
    return platform.engine


STRONG = {"auth_factors": ["password", "digital_certificate"]}


@pytest.mark.parametrize(
    ("kind", "cls", "limit", "code", "days_apart"),
    [
        ("bank", "II", "10000.00", "BANK_II_DAILY_LIMIT", 0),
        ("bank", "III", "1000.00", "BANK_III_LIMIT", 0),
        ("payment", "I", "1000.00", "PAYMENT_I_LIMIT", 200),
        ("payment", "II", "100000.00", "PAYMENT_II_LIMIT", 100),
        ("payment", "III", "200000.00", "PAYMENT_III_LIMIT", 100),
    ],
)
def test_exactly_the_limit_is_approved_and_one_fen_more_is_refused_with_the_remainder(
    engine: Engine, kind: str, cls: str, limit: str, code: str, days_apart: int
) -> None:
    account = unique("acct")
    first = payment(account, at(0), str(float(limit) / 2), kind=kind, cls=cls, **STRONG)
    rest = payment(account, at(days_apart, 11), str(float(limit) / 2), kind=kind, cls=cls, **STRONG)
    assert engine.decide(first).decision is Outcome.APPROVE
    over = engine.decide(
        payment(account, at(days_apart, 11.5), "0.01", kind=kind, cls=cls, **STRONG) | {"amount": "0.01"}
    )
    assert over.decision is Outcome.APPROVE  # half + 0.01 still fits
    over = engine.decide(rest)
    assert over.decision is Outcome.REJECT and over.reasons[0].code == code
    remaining = f"{float(limit) / 2 - 0.01:,.2f}"
    assert remaining in over.reasons[0].message_en and remaining in over.reasons[0].message_zh
    exact = payment(account, at(days_apart, 12), remaining.replace(",", ""), kind=kind, cls=cls, **STRONG)
    assert engine.decide(exact).decision is Outcome.APPROVE
    assert (
        engine.decide(payment(account, at(days_apart, 13), "0.01", kind=kind, cls=cls, **STRONG)).decision
        is Outcome.REJECT
    )


def test_a_reversal_gives_the_allowance_back_to_the_original_day(engine: Engine) -> None:
    account = unique("b2")
    big = payment(account, at(0, 9), "10000.00")
    assert engine.decide(big).decision is Outcome.APPROVE
    assert engine.decide(payment(account, at(0, 10), "0.01")).decision is Outcome.REJECT
    reversal = payment(account, at(0, 11), "10000.00", txn_type="reversal", original_event_id=big["event_id"])
    assert engine.decide(reversal).decision is Outcome.APPROVE
    assert engine.decide(payment(account, at(0, 12), "10000.00")).decision is Outcome.APPROVE
    # the same reversal sent again (new id) gives nothing more back
    again = payment(account, at(0, 13), "10000.00", txn_type="reversal", original_event_id=big["event_id"])
    engine.decide(again)
    assert engine.decide(payment(account, at(0, 14), "0.01")).decision is Outcome.REJECT


def test_a_refused_payment_uses_no_allowance_and_a_late_reversal_returns_it_to_its_year(engine: Engine) -> None:
    account = unique("p2")
    jan = datetime(2024, 1, 5, 10, tzinfo=CST)
    first = payment(account, jan, "90000.00", kind="payment", cls="II", **STRONG)
    assert engine.decide(first).decision is Outcome.APPROVE
    refused = payment(account, jan.replace(day=6), "20000.00", kind="payment", cls="II", **STRONG)
    assert engine.decide(refused).decision is Outcome.REJECT
    assert (
        engine.decide(payment(account, jan.replace(day=7), "10000.00", kind="payment", cls="II", **STRONG)).decision
        is Outcome.APPROVE
    )
    refund = payment(
        account,
        jan.replace(month=3),
        "30000.00",
        kind="payment",
        cls="II",
        txn_type="refund",
        original_event_id=first["event_id"],
        **STRONG,
    )
    assert engine.decide(refund).decision is Outcome.APPROVE
    assert (
        engine.decide(payment(account, jan.replace(month=4), "30000.00", kind="payment", cls="II", **STRONG)).decision
        is Outcome.APPROVE
    )
    assert (
        engine.decide(
            payment(account, jan.replace(month=4, day=8), "0.01", kind="payment", cls="II", **STRONG)
        ).decision
        is Outcome.REJECT
    )
    # a new calendar year (Asia/Shanghai) starts from zero
    new_year = datetime(2025, 1, 1, 0, 5, tzinfo=CST)
    assert (
        engine.decide(payment(account, new_year, "100000.00", kind="payment", cls="II", **STRONG)).decision
        is Outcome.APPROVE
    )


def test_class_ii_and_iii_bank_accounts_functions(engine: Engine) -> None:
    ii, iii = unique("b2"), unique("b3")
    cash = engine.decide(payment(ii, at(0), "100.00", txn_type="withdrawal"))
    assert cash.decision is Outcome.REJECT and cash.reasons[0].code == "BANK_II_NO_CASH"
    assert engine.decide(payment(ii, at(0, 11), "50000.00", txn_type="investment")).decision is Outcome.APPROVE
    transfer = engine.decide(payment(iii, at(0), "10.00", cls="III", txn_type="transfer"))
    assert transfer.decision is Outcome.REJECT and transfer.reasons[0].code == "BANK_III_PAYMENT_ONLY"
    invest = engine.decide(
        payment(unique("p2"), at(0), "10.00", kind="payment", cls="II", txn_type="investment", **STRONG)
    )
    assert invest.decision is Outcome.REJECT and invest.reasons[0].code == "INVESTMENT_NEEDS_CLASS_III"


def opening(
    person_id: str,
    account: str,
    *,
    kind: str = "bank",
    cls: str = "I",
    bank: str = "bank-a",
    phone: str = "13800000001",
    channels: int | None = None,
    face: bool | None = True,
    day: int = 0,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": unique("o"),
        "type": "account_open",
        "occurred_at": at(day).isoformat(),
        "institution_id": bank,
        "account_id": account,
        "account_kind": kind,
        "account_class": cls,
        "id_number": person_id,
        "phone": phone,
        "name": "张三",
    }
    if channels is not None:
        event["verification_channels"] = channels
    if face is not None:
        event["face_to_face"] = face
    return event


ADULT = "11010519800101001X"  # born 1980
ADULT_2 = "110105198502020027"
CHILD = "110105201405050015"  # born 2014: a minor in 2024
ELDER = "110105194912310029"


def fix_check_digit(number: str) -> str:
    from fengkong.domain.identity.resident_id import check_digit

    return number[:17] + check_digit(number[:17])


def test_registry_supplies_the_class_and_a_second_class_i_account_needs_an_explanation(engine: Engine) -> None:
    person = fix_check_digit(ADULT)
    first = engine.decide(opening(person, "acc-1"))
    assert first.decision is Outcome.APPROVE
    second = engine.decide(opening(person, "acc-2"))
    assert second.decision is Outcome.REVIEW and second.reasons[0].code == "SECOND_CLASS_I_ACCOUNT"
    assert engine.decide(opening(person, "acc-3", bank="bank-b")).decision is Outcome.APPROVE
    engine.decide(opening(person, "acc-ii", cls="II"))
    # the transaction does not say its class: the registry does
    tx = payment("acc-ii", at(1), "10000.01") | {"account_kind": None, "account_class": None}
    answer = engine.decide({k: v for k, v in tx.items() if v is not None})
    assert answer.decision is Outcome.REJECT and answer.reasons[0].code == "BANK_II_DAILY_LIMIT"


def test_payment_account_openings(engine: Engine) -> None:
    person = fix_check_digit(ADULT_2)
    weak = engine.decide(opening(person, "w1", kind="payment", cls="III", channels=3, face=False))
    assert weak.decision is Outcome.REJECT and weak.reasons[0].code == "VERIFICATION_BELOW_CLASS"
    assert "at least 5 external channels; got 3" in weak.reasons[0].message_en
    assert (
        engine.decide(opening(person, "p3", kind="payment", cls="III", channels=5, face=False)).decision
        is Outcome.APPROVE
    )
    twice = engine.decide(opening(person, "p3b", kind="payment", cls="III", face=True))
    assert twice.decision is Outcome.REJECT and twice.reasons[0].code == "SECOND_PAYMENT_CLASS_III"
    assert (
        engine.decide(opening(person, "p3c", kind="payment", cls="III", face=True, bank="pay-b")).decision
        is Outcome.APPROVE
    )


def test_resident_id_numbers_are_checked_and_never_stored(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidEventError, match="check digit"):
        engine.decide(opening("110105198001010011", unique("a")))
    with pytest.raises(InvalidEventError, match="not a real date"):
        engine.decide(opening(fix_check_digit("110105198002300011"), unique("a")))
    person = fix_check_digit(ADULT)
    engine.decide(opening(person, unique("a")))
    db = next(tmp_path.rglob("fengkong.db")).read_bytes()
    assert person.encode() not in db


def test_one_phone_many_people_except_minors_and_the_elderly(engine: Engine) -> None:
    phone = "13912345678"
    adult, adult_2 = fix_check_digit(ADULT), fix_check_digit(ADULT_2)
    child, elder = fix_check_digit(CHILD), fix_check_digit(ELDER)
    assert engine.decide(opening(adult, unique("a"), phone=phone)).decision is Outcome.APPROVE
    assert engine.decide(opening(child, unique("a"), phone=phone, bank="bank-b")).decision is Outcome.APPROVE
    assert engine.decide(opening(elder, unique("a"), phone=phone, bank="bank-c")).decision is Outcome.APPROVE
    shared = engine.decide(opening(adult_2, unique("a"), phone=phone, bank="bank-d"))
    assert shared.decision is Outcome.REVIEW and shared.reasons[0].code == "SHARED_PHONE"
    # the same person opening again with their own phone is fine
    assert engine.decide(opening(adult, unique("a"), phone=phone, cls="II")).decision is Outcome.APPROVE


def test_one_person_with_many_phones_surfaces(engine: Engine) -> None:
    person = fix_check_digit(ADULT)
    for i, phone in enumerate(["13800000011", "13800000012"]):
        assert engine.decide(opening(person, unique("a"), phone=phone, cls="II", day=i)).decision is Outcome.APPROVE
    third = engine.decide(opening(person, unique("a"), phone="13800000013", cls="II", day=3))
    assert third.decision is Outcome.REVIEW and third.reasons[0].code == "MANY_PHONES_ONE_PERSON"


@pytest.mark.parametrize(
    ("factors", "decision", "asked"),
    [
        (["password", "digital_certificate"], "approve", []),
        (["password", "dynamic_token"], "approve", []),
        (["sms_otp", "dynamic_token"], "approve", []),
        (["sms_otp"], "step_up", ["dynamic_token"]),
        (["password", "sms_otp"], "step_up", ["dynamic_token"]),
        ([], "step_up", ["password", "dynamic_token"]),
    ],
)
def test_quick_payment_binding_factors(engine: Engine, factors: list[str], decision: str, asked: list[str]) -> None:
    answer = engine.decide(
        {
            "event_id": unique("b"),
            "type": "card_bind",
            "occurred_at": at(0).isoformat(),
            "card_id": "k1",
            "account_id": "a1",
            "bind_to": "app",
            "auth_factors": factors,
        }
    )
    assert answer.decision.value == decision and list(answer.required_factors) == asked


def test_step_up_names_the_factors_that_would_allow_the_payment(engine: Engine) -> None:
    customer = unique("c")
    weak = payment(
        unique("p"), at(0), "1000.01", kind="payment", cls="III", customer=customer, auth_factors=["password"]
    )
    answer = engine.decide(weak)
    assert answer.decision is Outcome.STEP_UP and answer.required_factors == ("sms_otp",)
    big = payment(
        unique("p"),
        at(0, 11),
        "5000.01",
        kind="payment",
        cls="III",
        customer=customer,
        auth_factors=["password", "sms_otp"],
    )
    answer = engine.decide(big)
    assert answer.decision is Outcome.STEP_UP and answer.required_factors == ("digital_certificate",)
    assert (
        engine.decide(big | {"event_id": unique("t"), "auth_factors": ["password", "digital_certificate"]}).decision
        is Outcome.APPROVE
    )


def test_transfer_agreement_and_customer_limits_take_effect_on_the_next_event(platform: Platform) -> None:
    engine, reference = platform.engine, platform.reference
    account, customer = unique("acct"), unique("cust")

    def transfer(hour: float, amount: str, to_bank: bool) -> Outcome:
        event = payment(
            account,
            at(0, hour),
            amount,
            cls="I",
            txn_type="transfer",
            customer=customer,
            counterparty_kind="bank" if to_bank else "payment",
            counterparty_account_id="x",
        )
        return engine.decide(event).decision

    assert transfer(8, "9000.00", True) is Outcome.APPROVE  # no agreement yet
    reference.set(
        "transfer_agreement",
        account,
        {"to_bank_daily_amount": "10000", "to_bank_daily_count": 3, "to_account_daily_amount": "500"},
        actor="ops-1",
        reason="customer agreement 2024-03",
    )
    assert transfer(9, "1000.00", True) is Outcome.APPROVE
    assert transfer(9.5, "0.01", True) is Outcome.REJECT  # third transfer to a bank... over the amount
    assert transfer(10, "500.00", False) is Outcome.APPROVE
    assert transfer(10.5, "0.01", False) is Outcome.REJECT
    reference.set(
        "customer_limits", customer, {"single": "2000", "daily": "12000"}, actor="ops-1", reason="set by the customer"
    )
    over_single = engine.decide(payment(unique("a"), at(0, 11), "2000.01", cls="I", customer=customer))
    assert over_single.decision is Outcome.REJECT and over_single.reasons[0].code == "CUSTOMER_SINGLE_LIMIT"
    day = engine.decide(payment(unique("a"), at(0, 12), "2000.00", cls="I", customer=customer))
    assert day.decision is Outcome.REJECT and "remaining" in day.reasons[0].message_en  # 10,500 used already
    assert (
        engine.decide(payment(unique("a"), at(0, 13), "1500.00", cls="I", customer=customer)).decision
        is Outcome.APPROVE
    )
    reference.set("customer_limits", customer, None, actor="ops-2", reason="customer removed the limit")
    assert (
        engine.decide(payment(unique("a"), at(0, 14), "5000.00", cls="I", customer=customer)).decision
        is Outcome.APPROVE
    )
    history = reference.history("customer_limits", customer)
    assert [(h.version, h.changed_by, h.record is None) for h in history] == [(1, "ops-1", False), (2, "ops-2", True)]


def test_reference_api_validates_and_keeps_history(platform: Platform) -> None:
    with api_client(platform) as client:
        bad = client.put("/v1/customers/c9/limits", json={"single": "-5", "actor": "ops", "reason": "x"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "single"
        nobody = client.put("/v1/customers/c9/limits", json={"single": "5"})
        assert nobody.status_code == 422 and nobody.json()["error"]["field"] == "reason"
        ok = client.put(
            "/v1/customers/c9/limits", json={"single": "5000", "daily": 20000, "actor": "ops", "reason": "branch form"}
        )
        assert ok.status_code == 200 and ok.json()["record"] == {"single": "5000.00", "daily": "20000.00"}
        got = client.get("/v1/customers/c9/limits").json()
        caller = client.get("/v1/me").json()["name"]  # the authenticated caller, not the body's "actor"
        assert got["record"]["single"] == "5000.00" and got["history"][0]["changed_by"] == caller
        agreement = client.put(
            "/v1/accounts/a9/transfer-agreement", json={"to_bank_daily_count": 2.5, "actor": "ops", "reason": "r"}
        )
        assert agreement.status_code == 422 and agreement.json()["error"]["field"] == "to_bank_daily_count"
        assert client.delete("/v1/customers/c9/limits", params={"reason": "closed"}).status_code == 200
        assert client.get("/v1/customers/c9/limits").status_code == 404


@pytest.mark.slow
def test_cli_limits_and_account_import(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run = [sys.executable, "-m", "fengkong"]
    done = subprocess.run(
        run
        + [
            "limits",
            "customer",
            "c1",
            "--single",
            "300",
            "--credential",
            cli_key(data, "client"),
            "--reason",
            "form 12",
            "--data-dir",
            str(data),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["record"] == {"single": "300.00"}
    bad = subprocess.run(
        run
        + ["limits", "customer", "c1", "--single", "1.234", "--credential", cli_key(data, "client")]
        + ["--reason", "x", "--data-dir", str(data)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "single" in bad.stderr
    csv_path = tmp_path / "accounts.csv"
    csv_path.write_text(
        "account_id,customer_id,account_kind,account_class,institution_id,opened_at,id_number,phone\n"
        f"a1,c1,bank,I,bank-a,2015-03-01T09:00:00+08:00,{fix_check_digit(ADULT)},13800000001\n"
        f"a2,c1,bank,I,bank-a,2016-03-01T09:00:00+08:00,{fix_check_digit(ADULT)},13800000001\n"
        "a3,c2,bank,IV,bank-a,2016-03-01T09:00:00+08:00,,\n"
        "a4,c3,payment,II,pay-x,,,\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    done = subprocess.run(
        run + ["accounts", "import", str(csv_path), "--errors", str(report), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == {"imported": 1, "flagged": 1, "error": 2}
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,account_id,outcome,field,message"
    assert any(line.startswith("2,a2,flagged,review") and "SECOND_CLASS_I_ACCOUNT" in line for line in lines)
    assert any(line.startswith("3,a3,error,account_class") for line in lines)
    assert any(line.startswith("4,a4,error,opened_at") for line in lines)


def test_class_iii_bank_balance_ceiling_where_the_balance_is_known(engine: Engine) -> None:
    """001 §1.1.2 "最高1000元" as a balance ceiling: a deposit may bring the balance to 1,000, not over."""
    account = unique("b3")
    up_to = payment(account, at(0, 9), "600.00", kind="bank", cls="III", txn_type="deposit", balance_after="1000.00")
    over = payment(account, at(0, 10), "0.01", kind="bank", cls="III", txn_type="deposit", balance_after="1000.01")
    unknown = payment(account, at(0, 11), "0.01", kind="bank", cls="III", txn_type="deposit")
    assert engine.decide(up_to).decision is Outcome.APPROVE
    refused = engine.decide(over)
    assert refused.decision is Outcome.REJECT and refused.reasons[0].code == "BANK_III_BALANCE_CEILING"
    assert engine.decide(unknown).decision is Outcome.APPROVE  # no balance given: the daily cap is what applies
