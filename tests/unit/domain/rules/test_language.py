from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fengkong.domain.events import Event, EventType
from fengkong.domain.rules.compiler import Scope, compile_expression
from fengkong.domain.rules.errors import ExpressionError
from fengkong.domain.rules.functions import FUNCTIONS

EVENT = Event(
    event_id="e1",
    type=EventType.TRANSACTION,
    occurred_at=None,  # type: ignore[arg-type]
    ts=1576092180.0,  # 2019-12-12T03:23:00+08:00
    fields={
        "amount": Decimal("5000.00"),
        "channel": "quick_pay",
        "auth_factors": ["password", "sms_otp"],
        "location": {"lat": 22.19, "lon": 113.54, "city": "Macau"},
    },
    amount_fen=500000,
)
SCOPE = Scope(
    features={"n": "number", "avg": "number", "missing": "number", "prev_loc": "location"},
    params={"limit": Decimal("4999.99"), "channels": frozenset({"quick_pay", "online_banking"})},
)
FEATURES = {"n": 3, "avg": Decimal("100.00"), "missing": None, "prev_loc": {"lat": 39.90, "lon": 116.40}}


def run(text: str, features: dict[str, Any] | None = None, decision: str | None = None) -> Any:
    scope = Scope(SCOPE.features, SCOPE.params, allow_decision=decision is not None)
    return compile_expression(text, scope).fn(EVENT, features or FEATURES, decision)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("event.amount > params.limit", True),
        ("event.amount == 5000", True),
        ("event.amount / features.avg", Decimal("50")),
        ("event.channel in params.channels", True),
        ("event.channel not in ['pos', 'atm']", True),
        ("'sms_otp' in event.auth_factors", True),
        ("hour(event.occurred_at)", 3),
        ("in_hours(event.occurred_at, 23, 6)", True),
        ("in_hours(event.occurred_at, 8, 22)", False),
        ("factor_classes(event.auth_factors)", 2),
        ("10m + 1h", 4200),
        ("-event.amount < 0 and not (features.n > 5)", True),
        ("max(features.n, 7, 2)", 7),
        ("round(ratio(event.amount, 3), 2)", Decimal("1666.67")),
        ("coalesce(features.missing, 42)", 42),
        ("event.amount > 1 or 1 / 0 > 1", True),
    ],
)
def test_expressions_evaluate(text: str, expected: Any) -> None:
    assert run(text) == expected


def test_distance_between_macau_and_beijing() -> None:
    km = run("distance_km(event.location, features.prev_loc)")
    assert 1900 < km < 2000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("features.missing > 5", False),
        ("features.missing < 5", False),
        ("features.missing == null", True),
        ("features.missing + 1", None),
        ("is_null(features.missing)", True),
        ("not (features.missing > 5)", True),
        ("ratio(event.amount, 0)", None),
        ("event.amount / 0", None),
        ("event.balance_after > 0", False),
    ],
)
def test_null_semantics(text: str, expected: Any) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment", "pos"),
    [
        ("event.amout > 5", "unknown event field 'amout'", 0),
        ("features.nope > 1", "unknown feature 'nope'", 0),
        ("params.nope > 1", "unknown parameter 'nope'", 0),
        ("event.amount > ", "unexpected end of expression", 15),
        ("event.amount >> 5", "unexpected '>'", 14),
        ("__import__('os')", "unknown function '__import__'", 0),
        ("eval('1')", "unknown function 'eval'", 0),
        ("event.__class__", "unknown event field '__class__'", 0),
        ("open", "unknown name 'open'", 0),
        ("event.channel > 5", "cannot order a string against a number", 14),
        ("event.amount and true", "needs a condition", 0),
        ("hour()", "takes 1 arguments, got 0", 0),
        ("hour(event.channel)", "argument 1 of hour() must be a time", 5),
        ("decision == 'approve'", "only known in a feature's where filter", 0),
        ("event.amount ` 3", "unexpected character '`'", 13),
    ],
)
def test_errors_say_what_and_where(text: str, fragment: str, pos: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCOPE)
    assert fragment in info.value.message
    assert info.value.pos == pos


def test_decision_is_readable_in_feature_filters() -> None:
    assert run("decision == 'approve' and event.amount > 1", decision="approve") is True


def test_deep_nesting_is_refused_not_crashing() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_expression("(" * 200 + "1" + ")" * 200, SCOPE)


def test_the_function_registry_is_closed_and_documented() -> None:
    assert {"hour", "distance_km", "ratio", "coalesce", "extra"} <= set(FUNCTIONS)
    for name, spec in FUNCTIONS.items():
        assert spec.doc, f"{name} has no documentation"
        assert not name.startswith("_")


def test_every_function_is_documented_for_analysts() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[4] / "docs" / "rule-language.md").read_text(encoding="utf-8")
    missing = [name for name in FUNCTIONS if f"`{name}(" not in doc]
    assert not missing, f"docs/rule-language.md does not document: {missing}"
