"""Arbitrary input never crashes the door or the rule parser: it is accepted or explained."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.domain.decisions import EventError
from fengkong.domain.events import Event
from fengkong.domain.rules.compiler import Scope, compile_expression
from fengkong.domain.rules.errors import ExpressionError
from fengkong.domain.validation import EventValidator, parse_json_event, rejected_excerpt
from tests.conftest import examples
from tests.fakes import FakeProtector, FakeSealer

V = EventValidator(FakeProtector(), FakeSealer())
FIELDS = [
    "event_id",
    "type",
    "occurred_at",
    "amount",
    "txn_type",
    "channel",
    "ip",
    "location",
    "card_id",
    "auth_factors",
    "success",
    "mcc",
    "id_number",
    "cvn2",
    "verification_channels",
    "extra_thing",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=40)
    | st.sampled_from(["transaction", "login", "2024-01-01T00:00:00+08:00", "12.34", "-5", "pos", "quick_pay"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=examples(400), deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_values, max_size=12))
def test_any_json_object_is_accepted_or_explained(data: dict[str, Any]) -> None:
    result = V.validate(data)
    assert isinstance(result, Event | EventError)
    if isinstance(result, EventError):
        assert result.errors and all(e.field and e.message for e in result.errors)
    else:
        json.dumps(result.to_record())  # what is stored is always serialisable
    assert len(rejected_excerpt(data)) <= 2100


@settings(max_examples=examples(400), deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_any_bytes_are_parsed_or_explained(raw: bytes | str) -> None:
    data, error = parse_json_event(raw)
    assert (data is None) != (error is None)
    if data is not None:
        assert isinstance(V.validate(data, len(raw)), Event | EventError)
    assert len(rejected_excerpt(raw)) <= 2100


SCOPE = Scope(features={"n": "number"}, params={"k": 1})
tokens = st.sampled_from(
    [
        "event.amount",
        "features.n",
        "params.k",
        "1",
        "2.5",
        "10m",
        "'x'",
        "(",
        ")",
        "[",
        "]",
        ",",
        "and",
        "or",
        "not",
        "in",
        "==",
        "<",
        "+",
        "-",
        "*",
        "/",
        "hour(",
        "max(",
        "null",
        "true",
        ".",
    ]
)


@settings(max_examples=examples(500), deadline=None)
@given(st.lists(tokens, max_size=14).map(" ".join) | st.text(max_size=60))
def test_any_rule_text_compiles_or_is_located(text: str) -> None:
    try:
        typed = compile_expression(text, SCOPE)
    except ExpressionError as exc:
        assert 0 <= exc.pos <= len(text) and exc.message
        return
    event = V.validate(
        {
            "event_id": "e",
            "type": "transaction",
            "occurred_at": "2024-01-01T00:00:00+08:00",
            "txn_type": "purchase",
            "channel": "pos",
            "amount": "10.00",
        }
    )
    assert isinstance(event, Event)
    typed.fn(event, {"n": None}, None)  # evaluating any compiled rule never raises
    typed.fn(event, {"n": 3}, None)
