"""Contract v1.1 over the two edges other systems use: HTTP and `fengkong score`.

One story for both: a class-II bank account's payment is stepped up; a resend gets the same
challenge and reserves nothing more; the reservation counts against the 10,000-a-day limit; the
challenge is answered and the payment spent; a review is held, then cancelled by the core system
and its money given back. `hold_resolution` is fengkong's own and refused from outside.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fengkong import Settings
from fengkong.bootstrap import build_platform
from tests.access import api_client, cli_key
from tests.integration.helpers import rule_args, run_fengkong, score_events
from tests.scenarios.limits_helpers import HOLD_RULES, LIMIT_RULES, at, payment

Answer = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def story(send: Answer) -> None:
    """The lifecycle through one edge; `send` posts events in order and returns their answers."""
    stepped = payment("acct-e2e", at(0, 9), "6000.00", hold="step_up")
    (asked, resent, over) = send(
        [stepped, stepped | {"event_id": "t-resend"}, payment("acct-e2e", at(0, 9.02), "4000.01")]
    )
    assert (asked["decision"], asked["status"]) == ("step_up", "pending")
    challenge = asked["challenge"]
    assert challenge["required_factors"] == ["biometric"] and challenge["expires_at"].startswith("2024-03-01T09:05")
    assert resent["challenge"] == challenge and resent["resend_of"] == stepped["event_id"]
    assert over["decision"] == "reject" and over["reasons"][0]["code"] == "BANK_II_DAILY_LIMIT"  # 6,000 reserved
    assert over["status"] == "final" and "challenge" not in over

    answer = {
        "event_id": "r-1",
        "type": "challenge_result",
        "occurred_at": at(0, 9.03).isoformat(),
        "target_event_id": stepped["event_id"],
        "challenge_id": challenge["challenge_id"],
        "passed": True,
        "factors": ["biometric"],
    }
    held = payment("acct-e2e", at(0, 10), "3000.00", hold="review")
    cancelled = {
        "event_id": "o-1",
        "type": "payment_outcome",
        "occurred_at": at(0, 10.5).isoformat(),
        "target_event_id": held["event_id"],
        "outcome": "cancelled",
    }
    (passed, review, full, cancel, fits) = send(
        [
            answer,
            held,
            payment("acct-e2e", at(0, 10.1), "1000.01"),  # 6,000 spent + 3,000 reserved
            cancelled,
            payment("acct-e2e", at(0, 11), "4000.00"),  # the review's 3,000 given back
        ]
    )
    assert (passed["decision"], passed["status"], passed["reasons"][0]["code"]) == (
        "approve",
        "final",
        "CHALLENGE_PASSED",
    )
    assert (review["decision"], review["status"]) == ("review", "pending")
    assert full["decision"] == "reject"
    assert (cancel["decision"], cancel["status"]) == ("approve", "final")
    assert fits["decision"] == "approve"


INTERNAL = {
    "event_id": "h-1",
    "type": "hold_resolution",
    "occurred_at": at(0, 12).isoformat(),
    "target_event_id": "anything",
    "resolution": "released",
    "actor": "mallory",
    "reason": "release my own payment",
}


@pytest.fixture
def rule_paths(tmp_path: Path) -> tuple[Path, ...]:
    hold = tmp_path / "hold.yaml"
    hold.write_text(HOLD_RULES, encoding="utf-8")
    return (*LIMIT_RULES, hold)


@pytest.fixture
def client(tmp_path: Path, rule_paths: tuple[Path, ...]) -> Iterator[TestClient]:
    with (
        build_platform(Settings.embedded(tmp_path / "data", rule_paths=rule_paths)) as platform,
        api_client(platform) as test_client,
    ):
        yield test_client


def test_the_lifecycle_over_http(client: TestClient) -> None:
    def send(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answers = []
        for event in events:
            response = client.post("/v1/events", json=event)
            assert response.status_code == 200, response.text
            answers.append(response.json())
        return answers

    story(send)
    refused = client.post("/v1/events", json=INTERNAL)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "type"


def test_the_lifecycle_in_a_batch_over_http(client: TestClient) -> None:
    def send(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = client.post("/v1/events:batch", json=events)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    story(send)


def test_the_openapi_decision_shows_the_lifecycle_fields(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    decision = schemas["DecisionOut"]["properties"]
    assert {"status", "challenge", "resend_of", "policy_version"} <= decision.keys()
    assert {"challenge_id", "required_factors", "expires_at"} <= schemas["ChallengeOut"]["properties"].keys()
    event_types = schemas["Event"]["properties"]["type"]["enum"]
    assert {"challenge_result", "payment_outcome"} <= set(event_types) and "hold_resolution" not in event_types


@pytest.mark.slow  # subprocesses
def test_the_lifecycle_through_fengkong_score_across_processes(tmp_path: Path, rule_paths: tuple[Path, ...]) -> None:
    """Each call is a new process on the same data: open challenges and holds survive between them."""
    rules = rule_args(rule_paths)

    story(lambda events: score_events(tmp_path / "d", events, *rules))
    (refused,) = score_events(tmp_path / "d", [INTERNAL], *rules)
    assert refused["error"]["field"] == "type" and refused["event_id"] == "h-1"


@pytest.mark.slow  # subprocesses
def test_an_analyst_declines_a_held_payment_from_the_command_line(tmp_path: Path, rule_paths: tuple[Path, ...]) -> None:
    data = ["--data-dir", str(tmp_path / "d")]
    rules = rule_args(rule_paths)

    held = payment("acct-cli", at(0, 9), "6000.00", hold="review")
    (answer,) = [json.loads(line) for line in run_fengkong("score", *data, *rules, stdin=json.dumps(held)).splitlines()]
    assert answer["decision"] == "review" and answer["status"] == "pending"
    assert held["event_id"] in run_fengkong("holds", "list", *data, *rules)
    run_fengkong(
        "holds", "decline", held["event_id"], "--credential", cli_key(tmp_path / "d", "analyst"),
        "--reason", "customer does not recognise it",
        "--at", at(0, 9.5).isoformat(), *data, *rules,
    )  # fmt: skip
    assert "declined" in run_fengkong("holds", "show", held["event_id"], *data, *rules)
    after = payment("acct-cli", at(0, 10), "10000.00")  # the 6,000 reserved was given back
    (fits,) = [json.loads(line) for line in run_fengkong("score", *data, *rules, stdin=json.dumps(after)).splitlines()]
    assert fits["decision"] == "approve"
    assert "hold.declined" in run_fengkong("audit", "list", *data)
