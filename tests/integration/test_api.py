"""The HTTP API through FastAPI's test client (in-process, no socket)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fengkong import Settings
from fengkong.bootstrap import build_metrics, build_platform
from tests.access import api_client
from tests.integration.helpers import COUNT_RULES, txn


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    path = tmp_path / "rules"
    path.mkdir()
    (path / "count.yaml").write_text(COUNT_RULES, encoding="utf-8")
    return path


@pytest.fixture
def client(tmp_path: Path, rules_dir: Path) -> Iterator[TestClient]:
    with (
        build_platform(Settings.embedded(tmp_path / "data", rule_paths=(rules_dir,)), build_metrics()) as platform,
        api_client(platform) as test_client,
    ):
        yield test_client


def test_one_event(client: TestClient) -> None:
    response = client.post("/v1/events", json=txn("e1", 0, "1200.00"))
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "reject" and body["reasons"][0]["code"] == "DAILY_TOTAL"
    assert body["reasons"][0]["message_en"] and body["reasons"][0]["message_zh"]
    again = client.post("/v1/events", json=txn("e1", 0, "1.00")).json()
    assert again["replayed"] is True and again["decision"] == "reject"


def test_invalid_event_is_422_with_the_contract_error(client: TestClient) -> None:
    response = client.post(
        "/v1/events",
        content=b'{"event_id": "x", "type": "transaction", "occurred_at": "2024-03-01T10:00:00+08:00", "txn_type": "purchase", "channel": "pos", "amount": "1.234"}',
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "amount"
    assert response.json()["event_id"] == "x"
    response = client.post("/v1/events", content=b"nope")
    assert response.status_code == 422 and response.json()["error"]["field"] == "(json)"
    assert client.get("/v1/rejected").json()[0]["field"] == "(json)"


def test_batch_answers_in_order_with_errors_inline(client: TestClient) -> None:
    items = [txn("a", 0), {"event_id": "b"}, txn("c", 1), txn("d", 2), txn("a", 0)]
    response = client.post("/v1/events:batch", content=json.dumps(items))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["event_id"] for r in results] == ["a", "b", "c", "d", "a"]
    assert "error" in results[1]
    assert results[3]["decision"] == "review"
    assert results[4]["replayed"] is True
    wrapped = client.post("/v1/events:batch", json={"events": [txn("e", 3)]}).json()["results"]
    assert wrapped[0]["event_id"] == "e"
    assert client.post("/v1/events:batch", content=b'"x"').status_code == 422


def test_docs_health_and_metrics(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/events", "/v1/events:batch", "/health", "/metrics"} <= set(spec["paths"])
    assert "requestBody" in spec["paths"]["/v1/events"]["post"]
    assert client.get("/docs").status_code == 200
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["status"] == "ready"
    client.post("/v1/events", json=txn("m1", 0))
    metrics = client.get("/metrics").text
    assert 'fengkong_decisions_total{decision="approve",type="transaction"} 1.0' in metrics
    assert "fengkong_decision_seconds_bucket" in metrics


def test_rules_reload_endpoint(client: TestClient, rules_dir: Path) -> None:
    before = client.get("/v1/rules").json()
    assert {r["id"] for r in before["rules"]} == {"t.burst", "t.daily"}
    (rules_dir / "count.yaml").write_text(COUNT_RULES.replace("reason: BURST", "reason: bad code"), encoding="utf-8")
    response = client.post("/v1/rules:reload")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["file"].endswith("count.yaml") and error["line"] == 18 and "UPPER_CASE" in error["message"]
    assert client.get("/v1/rules").json()["version"] == before["version"]
    (rules_dir / "count.yaml").write_text(COUNT_RULES.replace("score: 60", "score: 61"), encoding="utf-8")
    response = client.post("/v1/rules:reload")
    assert response.status_code == 200 and response.json()["version"] != before["version"]


def test_explain_shows_the_feature_values_read(client: TestClient) -> None:
    client.post("/v1/events", json=txn("x1", 0, "300.00"))
    body = client.post("/v1/events?explain=true", json=txn("x2", 1, "200.00")).json()
    assert body["trace"]["features"] == {"cust_txn_10m": 1, "cust_sum_today": "300.00"}


def test_the_event_schema_is_the_validators_field_table(client: TestClient) -> None:
    """OpenAPI shows every contract field (generated from the validator's table), and every
    schema the document refers to is defined in it (a generated client keeps every route)."""
    from fengkong.domain.validation import FIELDS

    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert set(schemas["Event"]["properties"]) == {"event_id", "type", "occurred_at", *FIELDS}
    assert schemas["Event"]["required"] == ["event_id", "type", "occurred_at"]
    body = spec["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Event"}
    refs: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            refs.update(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(spec)
    assert refs and {r.rsplit("/", 1)[1] for r in refs} <= set(schemas)


def test_errors_answer_with_the_status_of_their_kind(client: TestClient) -> None:
    assert client.get("/v1/tokens/ptk_nothing").status_code == 404  # NotFound
    missing = client.post("/v1/changes/999:approve", json={"checker": "b"})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "request_id"
    bad = client.post("/v1/lists/device/entries", content=b"[1, 2]")
    assert bad.status_code == 422 and bad.json()["error"] == {"field": "(body)", "message": "send a JSON object"}
    broken = client.post("/v1/stop-payments", content=b"{nope")
    assert broken.status_code == 422 and broken.json()["error"]["field"] == "(json)"
