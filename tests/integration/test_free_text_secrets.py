"""What people type — reasons, evidence, notes, purposes, labels — is stored and chained into the
audit log; a card number (any separator), mobile number or resident ID pasted into any of it is
masked first (issue 12: sensitive values in free text)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import fengkong
from fengkong.api.app import create_app
from tests.access import bearer
from tests.secret_scan import Planted, scan

PHONE = "13912345678"
RESIDENT_ID = "11010519491231002X"
# Luhn-valid, each in another form, one per field it is typed into.
CARDS = {
    "list reason": "6222021234567890128",
    "list evidence": "6222 0212 3456 7890 128",
    "list source": "6222-0212-3456-7890-128",
    "removal reason": "4111 1111 1111 1111",
    "approval note": "5500-0000-0000-0004",
    "stop-payment reason": "6212261234567890128",
    "limits reason": "4000056655665556",
    "token reason": "5105105105105100",
    "detokenize purpose": "4012 8888 8888 1881",
    "key label": "3530111333300000",
}


def test_card_numbers_typed_into_free_text_are_masked_everywhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data = tmp_path / "d"
    c = {k: f"see card {v} from the customer's letter" for k, v in CARDS.items()}
    c["list reason"] += f", phone {PHONE}, ID {RESIDENT_ID}"  # the rest of the letter, pasted in too
    c["approval note"] += f" (called back on {PHONE})"
    with fengkong.embedded(data) as platform, TestClient(create_app(platform)) as http:
        maker, checker = bearer(platform, "list_manager"), bearer(platform, "supervisor")
        secops, client, admin = bearer(platform, "secops"), bearer(platform, "client"), bearer(platform, "admin")
        entry = http.post(
            "/v1/lists/device/entries",
            headers=maker,
            json={
                "value": "dev-9",
                "reason": c["list reason"],
                "evidence": c["list evidence"],
                "source": c["list source"],
            },
        ).json()
        asked = http.post(f"/v1/list-entries/{entry['id']}:remove", headers=maker, json={"reason": c["removal reason"]})
        http.post(f"/v1/changes/{asked.json()['id']}:approve", headers=checker, json={"note": c["approval note"]})
        stop = {"account_id": "acct-1", "case_number": "C-1", "authority": "PSB", "reason": c["stop-payment reason"]}
        assert http.post("/v1/stop-payments", headers=checker, json=stop).status_code == 201
        limits = {"single": "500", "reason": c["limits reason"]}
        assert http.put("/v1/customers/c-1/limits", headers=client, json=limits).status_code == 200
        token = http.post(
            "/v1/tokens", headers=secops, json={"card_number": "6222021234567890128", "reason": c["token reason"]}
        ).json()["token"]
        shown = http.post(f"/v1/tokens/{token}:detokenize", headers=secops, json={"purpose": c["detokenize purpose"]})
        assert shown.status_code == 200
        made = http.post(
            "/v1/keys", headers=admin, json={"label": c["key label"], "institution": "b", "roles": ["client"]}
        )
        assert made.status_code == 201
    planted = [Planted("card", where, number) for where, number in CARDS.items()]
    planted += [Planted("phone", "in a reason and a note", PHONE), Planted("resident_id", "in a reason", RESIDENT_ID)]
    hits = scan(planted, [data], {"log": caplog.text})
    assert not hits, [str(h) for h in hits]
