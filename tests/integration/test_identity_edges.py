"""Account opening with every identity document in use, over HTTP and `fengkong score`: each is
accepted with its own checks, and a person is the same person whatever form they present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import score_events

DOCUMENTS = {
    "resident_id": "11010519491231002X",
    "resident_id_15": "440305850612123",  # first generation; born 1985-06-12
    "hk_macau_taiwan_permit": "810000199001010019",
    "foreign_permanent_residence": "911056199001010015",  # Beijing office, country 056, 1990-01-01
    "foreign_permanent_residence_2017": "USA110090011209",
}


def opening(event_id: str, id_number: str, account: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "account_open",
        "occurred_at": "2026-11-02T10:00:00+08:00",
        "institution_id": "bank-a",
        "account_id": account,
        "account_kind": "bank",
        "account_class": "I",
        "id_number": id_number,
        "face_to_face": True,
        **extra,
    }


def story(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document opens an account; then the legacy holder opens a second class I account
    with the 18-digit ID the legacy one became: the same person, so it is reviewed."""
    events.extend(opening(f"open-{kind}", number, f"acct-{kind}") for kind, number in DOCUMENTS.items())
    events.append(opening("open-again", "440305198506121237", "acct-again"))
    events.append(opening("open-bad", "810000199001010018", "acct-bad"))
    return events


def check(answers: list[dict[str, Any]]) -> None:
    by_id = {a["event_id"]: a for a in answers}
    for kind in DOCUMENTS:
        assert by_id[f"open-{kind}"]["decision"] == "approve", (kind, by_id[f"open-{kind}"])
    again = by_id["open-again"]
    assert again["decision"] == "review" and again["reasons"][0]["code"] == "SECOND_CLASS_I_ACCOUNT"
    assert by_id["open-bad"]["error"]["field"] == "id_number" and "check digit" in by_id["open-bad"]["error"]["message"]


def test_identity_documents_over_http(full_pack_client: TestClient) -> None:
    answers = []
    for event in story([]):
        response = full_pack_client.post("/v1/events", json=event)
        assert response.status_code in (200, 422), response.text
        answers.append(response.json())
    check(answers)


@pytest.mark.slow  # a subprocess
def test_identity_documents_through_fengkong_score(tmp_path: Path) -> None:
    check(score_events(tmp_path / "d", story([])))
