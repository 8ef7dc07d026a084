"""The OpenAPI description is a correct OpenAPI 3.1 document: every reference resolves, the event
schema carries the contract's enums and per-type requirements (from the code's own constants),
every operation that reads a body declares it, and refusals have one error model."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from fengkong import in_memory
from fengkong.api.app import create_app
from fengkong.api.schemas import COMPONENTS, describe, ref
from fengkong.domain.decisions import Outcome
from fengkong.domain.events import AuthFactor, Channel, EventType, TxnType
from fengkong.domain.validation import INTERNAL_TYPES, REQUIRED

# Operations that take no body: everything else that POSTs or PUTs must declare one.
BODILESS = {("post", "/v1/rules:reload"), ("post", "/v1/me/totp")}


@pytest.fixture(scope="module")
def spec() -> Iterator[dict[str, Any]]:
    with TestClient(create_app(in_memory())) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    yield response.json()


def resolve(document: dict[str, Any], pointer: str) -> Any:
    assert pointer.startswith("#/"), pointer
    node: Any = document
    for part in pointer[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{pointer} does not resolve (no {part!r})"
        node = node[part]
    return node


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def schema_of(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def enum_of(spec: dict[str, Any], node: dict[str, Any]) -> list[str]:
    if "$ref" in node:
        node = resolve(spec, node["$ref"])
    values: list[str] = node["enum"]
    return values


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    refs = set(references(spec))
    assert ref("Event")["$ref"] in refs
    for pointer in refs:
        resolve(spec, pointer)


def test_the_description_is_valid_openapi_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_every_component_schema_is_valid_json_schema(spec: dict[str, Any]) -> None:
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_the_event_schema_has_the_contracts_enums(spec: dict[str, Any]) -> None:
    event = schema_of(spec, "Event")["properties"]
    outside = [t.value for t in EventType if t not in INTERNAL_TYPES]
    assert enum_of(spec, event["type"]) == outside
    assert {"challenge_result", "payment_outcome"} <= set(outside) and "hold_resolution" not in outside
    assert enum_of(spec, event["channel"]) == [c.value for c in Channel]
    assert enum_of(spec, event["txn_type"]) == [t.value for t in TxnType]
    factors = sorted(f.value for f in AuthFactor)
    assert enum_of(spec, event["auth_factors"]["items"]) == factors == enum_of(spec, event["factors"]["items"])
    assert enum_of(spec, event["outcome"]) == ["completed", "cancelled", "returned"]
    currencies = event["currency"]["anyOf"]
    assert "CNY" in currencies[0]["enum"] and currencies[1]["pattern"] == r"^\d{3}$"


def test_the_decision_schema_has_its_enums(spec: dict[str, Any]) -> None:
    decision = schema_of(spec, "DecisionOut")["properties"]
    assert enum_of(spec, decision["decision"]) == [o.value for o in Outcome]
    assert enum_of(spec, decision["status"]) == ["pending", "final"]
    assert enum_of(spec, schema_of(spec, "ReasonOut")["properties"]["outcome"]) == [o.value for o in Outcome]


def test_the_event_schema_refuses_what_each_type_requires(spec: dict[str, Any]) -> None:
    """A client validating against the schema refuses an event the server would refuse for a
    missing field of its type, and accepts the schema's own example."""
    document = copy.deepcopy(spec)
    event_schema = {**schema_of(document, "Event"), "components": document["components"]}
    validator = Draft202012Validator(event_schema)
    example = event_schema["examples"][0]
    assert not list(validator.iter_errors(example))
    base = {"event_id": "e-1", "occurred_at": "2024-03-02T10:00:00+08:00"}
    for kind, names in REQUIRED.items():
        if kind in INTERNAL_TYPES:
            continue
        for missing in names:
            event = {**base, "type": kind.value, **{n: SAMPLE[n] for n in names if n != missing}}
            errors = [e.message for e in validator.iter_errors(event)]
            assert any(repr(missing) in e for e in errors), (kind, missing, errors)
        complete = {**base, "type": kind.value, **{n: SAMPLE[n] for n in names}}
        assert not list(validator.iter_errors(complete)), kind


SAMPLE: dict[str, Any] = {
    "txn_type": "purchase",
    "channel": "pos",
    "amount": "10.00",
    "success": True,
    "account_id": "a-1",
    "card_id": "c-1",
    "field": "phone",
    "target_event_id": "t-1",
    "label": "fraud",
    "challenge_id": "chl_1",
    "passed": True,
    "outcome": "completed",
}


def test_every_operation_that_reads_a_body_declares_it(spec: dict[str, Any]) -> None:
    undeclared = [
        (method, path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "patch") and (method, path) not in BODILESS and "requestBody" not in operation
    ]
    assert not undeclared, undeclared


def test_refusals_have_one_error_model(spec: dict[str, Any]) -> None:
    """Every 4xx answer the description names is the one ErrorOut (FastAPI's own validation
    error model is not used: the app answers those in ErrorOut too)."""
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["ErrorOut"]["properties"]["error"] == ref("FieldErrorOut")
    answers = spec["paths"]["/v1/events"]["post"]["responses"]
    assert answers["422"]["content"]["application/json"]["schema"] == ref("ErrorOut")
    for item in spec["paths"].values():
        for operation in item.values():
            if operation.get("security"):
                for status in ("401", "403"):
                    assert operation["responses"][status]["content"]["application/json"]["schema"] == ref("ErrorOut")


def test_describe_is_complete_and_idempotent(spec: dict[str, Any]) -> None:
    once = describe(copy.deepcopy(spec))
    assert set(COMPONENTS) <= set(once["components"]["schemas"])
    assert describe(copy.deepcopy(once)) == once
    for pointer in set(references(once)):
        resolve(once, pointer)
